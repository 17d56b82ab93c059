import type { MachineConfig } from "@basalt/machinery";
import type { EventBus } from "./events/event-bus.ts";
import type { Host } from "./host.ts";
import type { Supervisor } from "./supervisor/supervisor.ts";
import type { UpdateSystem } from "./update/update-system.ts";

/** What every RPC handler may use; built once in main.ts and passed down. */
export interface DaemonContext {
  config: MachineConfig;
  host: Host;
  events: EventBus;
  supervisor: Supervisor;
  /** A/B slots and the ESP; only on a Basalt node (init mode). */
  update?: UpdateSystem;
  /** Asks the daemon to stop its services and power the machine down or restart it. */
  power(action: "reboot" | "poweroff"): Promise<void>;
}
