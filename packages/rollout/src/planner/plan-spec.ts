/**
 * The UpgradePlan spec: what the custom resource holds, as the planner reads it. Everything optional
 * here has a default in {@link resolvePlanSpec}, so the planner itself only ever sees complete specs
 * and the defaults live in one place (the CRD's OpenAPI schema documents the same values).
 */

/** Day names as `Date#getUTCDay()` indexes them. */
export const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
export type Weekday = (typeof weekdays)[number];

/** A count of nodes, or a percentage of the nodes in scope (`"10%"`): rounded down but at least 1. */
export type Quantity = number | `${number}%`;

export const defaultZoneLabel = "topology.kubernetes.io/zone";

export interface OsTarget {
  version: string;
  bundleUrl: string;
}

export interface KubernetesTarget {
  version: string;
}

/**
 * What to roll. OS and Kubernetes together cost one drain and one reboot. `rebootPending` is for
 * general-purpose nodes running basaltd in agent mode: reboot those that report /var/run/reboot-required.
 */
export interface UpgradeTarget {
  os?: OsTarget;
  kubernetes?: KubernetesTarget;
  rebootPending?: boolean;
}

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

/** A Kubernetes label selector; an empty one selects every node. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** How many nodes may be unavailable at once, counting nodes unavailable for any other reason. */
export interface BudgetSpec {
  maxUnavailable: Quantity;
  /** Per topology domain; a percentage is of that domain's nodes. */
  perZone?: Quantity;
  zoneLabel?: string;
}

/** The stricter budget of the critical lane, which may start nodes outside the windows. */
export interface CriticalBudgetSpec {
  maxUnavailable: Quantity;
  perZone?: Quantity;
}

export interface ProgressionSpec {
  /** How many nodes go first (any of them), or exactly which ones. 0 means no canary. */
  canary?: number | string[];
  /** Nodes per batch after the canary; absent means one batch, paced by the budget alone. */
  batchSize?: Quantity;
  /** Wait after a stage has finished before the next one starts. */
  soakSeconds?: number;
}

/** When new nodes may start. `end` ≤ `start` means the window runs over midnight. */
export interface MaintenanceWindow {
  days: Weekday[];
  /** "HH:MM", local to timeZone. */
  start: string;
  /** "HH:MM" (or "24:00"), local to timeZone. */
  end: string;
  /** An IANA time zone such as "Europe/Berlin". */
  timeZone: string;
}

export type Priority = "normal" | "critical";

/** What to do when a PodDisruptionBudget still blocks the drain after its timeout. */
export type OnBlocked = "wait" | "skip" | "force";

export interface DrainSpec {
  timeoutSeconds?: number;
  /** Passed to each eviction; absent means each pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  onBlocked?: OnBlocked;
}

/** What counts as healthy after the reboot, and how long each step may take before the node fails. */
export interface HealthSpec {
  readySeconds?: number;
  notReadyTimeoutSeconds?: number;
  upgradeTimeoutSeconds?: number;
  verifyTimeoutSeconds?: number;
  requireNodeHealthy?: boolean;
  requireWorkloadsReady?: boolean;
}

export interface FailureSpec {
  /** Failures tolerated; one more pauses the plan. */
  maxFailed?: Quantity;
  onFailure?: "rollback";
  leaveCordoned?: boolean;
}

/** spec of an UpgradePlan: what to roll, to which nodes, how fast, when, and what counts as healthy. */
export interface UpgradePlanSpec {
  target: UpgradeTarget;
  nodeSelector?: LabelSelector;
  budget: BudgetSpec;
  progression?: ProgressionSpec;
  windows?: MaintenanceWindow[];
  /** "YYYY-MM-DD" dates on which no node starts (not even in the critical lane). */
  exclusions?: string[];
  /** The zone the exclusion dates are read in; defaults to the first window's, else UTC. */
  exclusionTimeZone?: string;
  priority?: Priority;
  criticalBudget?: CriticalBudgetSpec;
  drain?: DrainSpec;
  health?: HealthSpec;
  failure?: FailureSpec;
  paused?: boolean;
}

/** A spec with every default filled in: what the planner works from. */
export interface ResolvedPlanSpec {
  target: UpgradeTarget;
  nodeSelector: LabelSelector;
  budget: { maxUnavailable: Quantity; perZone?: Quantity; zoneLabel: string };
  progression: { canary: number | string[]; batchSize?: Quantity; soakSeconds: number };
  windows: MaintenanceWindow[];
  exclusions: string[];
  exclusionTimeZone: string;
  priority: Priority;
  criticalBudget: CriticalBudgetSpec;
  drain: { timeoutSeconds: number; gracePeriodSeconds?: number; onBlocked: OnBlocked };
  health: Required<HealthSpec>;
  failure: Required<FailureSpec>;
  paused: boolean;
}

/** Fills in the defaults. Assumes a spec that {@link validatePlanSpec} accepted. */
export function resolvePlanSpec(spec: UpgradePlanSpec): ResolvedPlanSpec {
  const windows = spec.windows ?? [];
  const h = spec.health;
  return {
    target: spec.target,
    nodeSelector: spec.nodeSelector ?? {},
    budget: { ...spec.budget, zoneLabel: spec.budget.zoneLabel ?? defaultZoneLabel },
    progression: {
      canary: spec.progression?.canary ?? 1,
      batchSize: spec.progression?.batchSize,
      soakSeconds: spec.progression?.soakSeconds ?? 0,
    },
    windows,
    exclusions: spec.exclusions ?? [],
    exclusionTimeZone: spec.exclusionTimeZone ?? windows[0]?.timeZone ?? "UTC",
    priority: spec.priority ?? "normal",
    criticalBudget: spec.criticalBudget ?? { maxUnavailable: 1 },
    drain: {
      timeoutSeconds: spec.drain?.timeoutSeconds ?? 600,
      gracePeriodSeconds: spec.drain?.gracePeriodSeconds,
      onBlocked: spec.drain?.onBlocked ?? "wait",
    },
    health: {
      readySeconds: h?.readySeconds ?? 60,
      notReadyTimeoutSeconds: h?.notReadyTimeoutSeconds ?? 600,
      upgradeTimeoutSeconds: h?.upgradeTimeoutSeconds ?? 1800,
      verifyTimeoutSeconds: h?.verifyTimeoutSeconds ?? 900,
      requireNodeHealthy: h?.requireNodeHealthy ?? true,
      requireWorkloadsReady: h?.requireWorkloadsReady ?? true,
    },
    failure: {
      maxFailed: spec.failure?.maxFailed ?? 1,
      onFailure: spec.failure?.onFailure ?? "rollback",
      leaveCordoned: spec.failure?.leaveCordoned ?? false,
    },
    paused: spec.paused ?? false,
  };
}

/**
 * A short, stable name for a target, stored on each node with its upgrade state, so state written for
 * an earlier target is recognised as stale when the plan's target changes.
 */
export function targetKey(target: UpgradeTarget): string {
  const parts: string[] = [];
  if (target.os) parts.push(`os=${target.os.version}`);
  if (target.kubernetes) parts.push(`k8s=${target.kubernetes.version}`);
  if (target.rebootPending) parts.push("reboot");
  return parts.join(",");
}
