import type { MachineConfig } from "@basalt/machinery";
import type { CallLimits } from "./api/interceptors.ts";
import type { AuditTrail } from "./audit/audit-trail.ts";
import type { BootTimeline } from "./boot-timeline/boot-timeline.ts";
import type { ConfigManager } from "./config/config-manager.ts";
import type { EventBus } from "./events/event-bus.ts";
import type { Host } from "./host.ts";
import type { ClusterControl } from "./kubernetes/cluster-control.ts";
import type { KubeletVersion } from "./kubernetes/kubelet-version.ts";
import type { Supervisor } from "./supervisor/supervisor.ts";
import type { UpdateSystem } from "./update/update-system.ts";

/** What every RPC handler may use; built once in main.ts and passed down. */
export interface DaemonContext {
  config: MachineConfig;
  host: Host;
  events: EventBus;
  supervisor: Supervisor;
  /**
   * The audit trail. Handlers use `audit.target(call, …)` and `audit.refusedInStream(call, …)`;
   * the API gate writes each call's own record.
   */
  audit: AuditTrail;
  /** Per-call limits the gate applies by RPC (file reads, follow streams, calls); exposed for handlers. */
  limits: CallLimits;
  /** A/B slots and the ESP; only on a Basalt node (init mode). */
  update?: UpdateSystem;
  /** Reads and changes the machine config; set once the API is up (ConfigService). */
  configs?: ConfigManager;
  /** Bootstrap and admin kubeconfigs; only on a control-plane node, once its Kubernetes phases began. */
  cluster?: ClusterControl;
  /** The kubelet's version; only on a node with a `kubernetes:` section. */
  kubelet?: KubeletVersion;
  /** This boot's steps and their times (NodeStatus.boot_timeline). */
  timeline?: BootTimeline;
  /** Asks the daemon to stop its services and power the machine down or restart it. */
  power(action: "reboot" | "poweroff"): Promise<void>;
}
