import type { MachineConfig } from "@basalt/machinery";
import type { EventBus } from "./events/event-bus.ts";
import type { Host } from "./host.ts";
import type { Supervisor } from "./supervisor/supervisor.ts";

/** What every RPC handler may use; built once in main.ts and passed down. */
export interface DaemonContext {
  config: MachineConfig;
  host: Host;
  events: EventBus;
  supervisor: Supervisor;
  /** Asks the daemon to stop its services and power the machine down or restart it. */
  power(action: "reboot" | "poweroff"): Promise<void>;
}
