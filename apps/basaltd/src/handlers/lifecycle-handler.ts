import type { LifecycleService } from "@basalt/api";
import { BasaltError, type MachineConfig } from "@basalt/machinery";
import type { ServiceImpl } from "@connectrpc/connect";
import type { DaemonContext } from "../daemon-context.ts";

/** Whether a power action may run: always on a Basalt node, in agent mode only when the config says so. */
export function powerDecision(
  config: MachineConfig,
  action: "reboot" | "poweroff",
): { allowed: boolean; reason: string } {
  if (config.node.mode === "init")
    return { allowed: true, reason: `${action}: basaltd is PID 1 of a Basalt node` };
  if (config.power.allowInAgentMode)
    return { allowed: true, reason: `${action}: power.allowInAgentMode is true` };
  return {
    allowed: false,
    reason: `${action} refused: basaltd runs in agent mode on a general-purpose machine and power.allowInAgentMode is false`,
  };
}

/** Reboot and Shutdown: the answer goes out first, then the daemon stops its services and acts. */
export function lifecycleService(ctx: DaemonContext): ServiceImpl<typeof LifecycleService> {
  function act(action: "reboot" | "poweroff") {
    const d = powerDecision(ctx.config, action);
    if (!d.allowed) {
      throw new BasaltError("failed_precondition", d.reason, {
        hint: "set power.allowInAgentMode: true in the machine config if this machine may be rebooted through the API",
      });
    }
    ctx.events.publish("power", action, d.reason);
    setTimeout(() => void ctx.power(action), 200);
    return { message: `${action} scheduled` };
  }
  return {
    reboot: () => act("reboot"),
    shutdown: () => act("poweroff"),
  };
}
