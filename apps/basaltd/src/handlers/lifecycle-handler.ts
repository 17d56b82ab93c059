import type { LifecycleService } from "@basalt/api";
import { BasaltError, type MachineConfig } from "@basalt/machinery";
import type { ServiceImpl } from "@connectrpc/connect";
import type { DaemonContext } from "../daemon-context.ts";
import { readRebootRequired, rebootRequiredPath } from "./node-status.ts";

/**
 * Whether a power action may run: always on a Basalt node; in agent mode when the config allows
 * power actions, or — a reboot only — when the OS itself asks for one and power.rebootWhenPending
 * (the default) lets the API honour that request.
 */
export function powerDecision(
  config: MachineConfig,
  action: "reboot" | "poweroff",
  rebootPending = false,
): { allowed: boolean; reason: string } {
  if (config.node.mode === "init")
    return { allowed: true, reason: `${action}: basaltd is PID 1 of a Basalt node` };
  if (config.power.allowInAgentMode)
    return { allowed: true, reason: `${action}: power.allowInAgentMode is true` };
  if (action === "reboot" && rebootPending && config.power.rebootWhenPending)
    return { allowed: true, reason: `reboot: the OS asks for one (${rebootRequiredPath})` };
  return {
    allowed: false,
    reason:
      action === "reboot"
        ? `reboot refused: basaltd runs in agent mode on a general-purpose machine, the OS asks for no reboot (${rebootRequiredPath} is absent) and power.allowInAgentMode is false`
        : `${action} refused: basaltd runs in agent mode on a general-purpose machine and power.allowInAgentMode is false`,
  };
}

/** Reboot and Shutdown: the answer goes out first, then the daemon stops its services and acts. */
export function lifecycleService(ctx: DaemonContext): ServiceImpl<typeof LifecycleService> {
  async function act(action: "reboot" | "poweroff") {
    // Only an agent-mode reboot needs to look; a failed look refuses with its reason.
    const pending =
      action === "reboot" && ctx.config.node.mode === "agent" && !ctx.config.power.allowInAgentMode
        ? await readRebootRequired(ctx.host)
        : false;
    const d = powerDecision(ctx.config, action, pending);
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
