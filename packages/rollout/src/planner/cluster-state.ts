/**
 * The planner's input: a snapshot of the cluster as the controller's informers see it, with each node's
 * upgrade state already read from its annotations (see annotations.ts). State lives in the cluster, not
 * in the controller, so a restarted controller that builds the same snapshot makes the same decisions.
 * Times are milliseconds since the epoch.
 */

/** Where a node is in its upgrade, in order. The last four are terminal for the current target. */
export const upgradePhases = [
  "pending",
  "cordoned",
  "draining",
  "upgrading",
  "rebooting",
  "verifying",
  "done",
  "failed",
  "rolledBack",
  "skipped",
] as const;
export type UpgradePhase = (typeof upgradePhases)[number];

const inProgress: ReadonlySet<UpgradePhase> = new Set([
  "cordoned",
  "draining",
  "upgrading",
  "rebooting",
  "verifying",
]);

/** A node in one of these phases holds a slot of the budget until it leaves them. */
export function isInProgress(phase: UpgradePhase): boolean {
  return inProgress.has(phase);
}

/** Per-node upgrade state, as kept in the node's annotations. */
export interface NodeUpgradeState {
  phase: UpgradePhase;
  /** When the node entered `phase`: timeouts and soak times count from here. */
  since: number;
  /** How many times the node has been started (cordoned) for an upgrade. */
  attempts: number;
  lastError?: string;
  /** {@link targetKey} of the target this state is for; state for another target is stale. */
  target: string;
  /** The stage the node was started in: 0 is the canary, 1.. are batches. */
  batch?: number;
  /** The node's boot ID when it was started, to tell that it has rebooted since. */
  bootId?: string;
  /** PDBs ("namespace/name") whose pods were evicted, which must be healthy again before uncordon. */
  pdbs?: string[];
  /**
   * Set with "rolledBack": the boot ID the node had when the rollback was asked for ("none" if it
   * reported none). Until the node boots with another, its rollback reboot is still to come (see
   * awaitingRollbackReboot).
   */
  rebootFrom?: string;
}

/** A Node as the planner needs it: conditions, cordon, versions (from the node API) and upgrade state. */
export interface NodeSnapshot {
  name: string;
  labels: Record<string, string>;
  /** Overrides the zone read from the plan's zone label, when the caller knows better. */
  zone?: string;
  ready: boolean;
  /** When the Ready condition last turned true. */
  readySince?: number;
  unschedulable: boolean;
  /** The node carries our cordon annotation: we cordoned it, so we may uncordon it. */
  cordonedByUs: boolean;
  versions: { os?: string; kubernetes?: string };
  /** Agent mode: the node reports /var/run/reboot-required. */
  rebootRequired?: boolean;
  bootId?: string;
  /** The node API's health verdict, when the controller has asked. */
  healthy?: boolean;
  upgrade?: NodeUpgradeState;
}

/** A pod, with the PDBs that guard it, so drains and starts can respect them. */
export interface PodSnapshot {
  namespace: string;
  name: string;
  node: string;
  /** The PDBs ("namespace/name") whose selector matches this pod. */
  pdbs: string[];
  /** DaemonSet and mirror (static) pods are not evicted by a drain. */
  daemonSet?: boolean;
  mirror?: boolean;
  /** Already being deleted: waited for, not evicted again. */
  terminating?: boolean;
}

export interface PdbSnapshot {
  namespace: string;
  name: string;
  /** status.disruptionsAllowed, kept by the disruption controller and the Eviction API. */
  disruptionsAllowed: number;
  currentHealthy?: number;
  desiredHealthy?: number;
}

/** Everything one planning pass reads. */
export interface ClusterState {
  now: number;
  nodes: NodeSnapshot[];
  pods: PodSnapshot[];
  pdbs: PdbSnapshot[];
}

/** "namespace/name": how PDBs are referred to in pods, reasons and annotations. */
export function pdbKey(pdb: { namespace: string; name: string }): string {
  return `${pdb.namespace}/${pdb.name}`;
}

/** "namespace/name": how drain actions name the pods to evict. */
export function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}
