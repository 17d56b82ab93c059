import type { UpgradePhase } from "./cluster-state.ts";
import type { UpgradeTarget } from "./plan-spec.ts";

interface NodeAction {
  node: string;
  reason: string;
}

/**
 * What the planner asks the reconciler to do. Every action is idempotent and level-triggered: the
 * planner repeats it on each pass until the cluster shows it done, and the reconciler skips one that is
 * already in flight. Each says which phase to record once it succeeds.
 */
export type Action =
  /** Cordon and record phase "cordoned" (with target, batch, attempts, boot ID) in the same patch. */
  | (NodeAction & { kind: "cordon"; target: string; batch: number; attempts: number })
  /** Record phase "draining" if not yet, then evict `pods` through the Eviction API (delete if `force`). */
  | (NodeAction & {
      kind: "drain";
      pods: string[];
      pdbs: string[];
      force: boolean;
      gracePeriodSeconds?: number;
    })
  /** Record "upgrading", call Upgrade on the node API (then reboot), record "rebooting". */
  | (NodeAction & { kind: "upgrade"; target: UpgradeTarget })
  /** Record "verifying": the node is back; health gates are checked from here. */
  | (NodeAction & { kind: "verify" })
  /** Uncordon a node we cordoned (never another's) and record `nextPhase` when given. */
  | (NodeAction & { kind: "uncordon"; nextPhase?: "done" })
  /** Record "done" without touching the cordon, which is not ours. */
  | (NodeAction & { kind: "markDone" })
  /** Record "failed" with `reason` as the node's last error. */
  | (NodeAction & { kind: "markFailed" })
  /**
   * Call Rollback on the node API (previous image) and record "rolledBack"; with `alreadyBack` the
   * node already runs its previous image (it fell back by itself): record it without a call.
   */
  | (NodeAction & { kind: "rollback"; alreadyBack?: boolean })
  /** Give up on the node for now: uncordon it if ours and record "skipped". */
  | (NodeAction & { kind: "skip"; uncordon: boolean })
  /** Set the plan's Paused condition with `reason`. */
  | { kind: "pause"; reason: string };

export type ActionKind = Action["kind"];

/** A node's place in the rollout: its phase, or "upToDate" if it never needed one. */
export type NodeStatus = UpgradePhase | "upToDate";

/** Why a node is where it is, as a closed set for metrics and filtering; `reason` is the readable form. */
export type ReasonCode =
  | "acting"
  | "inProgress"
  | "upToDate"
  | "done"
  | "failed"
  | "rolledBack"
  | "skipped"
  | "notReady"
  | "cordonedByOther"
  | "paused"
  | "window"
  | "excluded"
  | "canary"
  | "soak"
  | "batchFull"
  | "pdb"
  | "budget"
  | "zoneBudget";

/** The verdict for one node: every node in scope gets one, acted on or not, with its reason. */
export interface NodeDecision {
  node: string;
  zone: string;
  status: NodeStatus;
  batch?: number;
  action?: ActionKind;
  code: ReasonCode;
  reason: string;
}

/** The rollout at a glance, for the plan's status, conditions and metrics. */
export interface PlanSummary {
  /** Nodes the selector matches. */
  nodes: number;
  counts: Partial<Record<NodeStatus, number>>;
  /** "normal", or "critical" when a critical plan is starting nodes outside its windows. */
  lane: "normal" | "critical";
  unavailable: number;
  maxUnavailable: number;
  zones: { zone: string; unavailable: number; maxUnavailable: number }[];
  failed: number;
  maxFailed: number;
  window: { open: boolean; reason?: string; nextOpen?: number };
  /** The stage new nodes go into (0 = canary), and why none may start now if so. */
  stage: { batch: number; reason?: string };
  paused?: string;
  /** Every node in scope is done or up to date. */
  complete: boolean;
}

/** One planning pass: what to do now, and where every node in scope stands and why. */
export interface PlanResult {
  actions: Action[];
  nodes: NodeDecision[];
  summary: PlanSummary;
  /**
   * The next instant (ms since the epoch) at which the clock alone would change this answer (a window
   * opens, a soak ends, a timeout passes); absent when only a change in the cluster can. The control
   * loop plans again then, or sooner on a watch event.
   */
  nextDeadline?: number;
}

/** Reason codes that mean a node is held back (not acted on) — counted in status, metrics and --blocked. */
export const waitingReasonCodes: readonly ReasonCode[] = [
  "pdb",
  "budget",
  "zoneBudget",
  "window",
  "excluded",
  "canary",
  "soak",
  "batchFull",
  "paused",
  "notReady",
  "cordonedByOther",
  "skipped",
];
