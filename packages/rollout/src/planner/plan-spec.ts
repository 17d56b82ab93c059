import type { z } from "zod";
import type { labelSelectorSchema, planSpecSchema, weekdays } from "./plan-spec-schema.ts";

/**
 * The UpgradePlan spec as the planner reads it. The types come from the zod schema in
 * plan-spec-schema.ts (the one source, which the CRD's OpenAPI schema is derived from too).
 * Everything optional has a default in {@link resolvePlanSpec}, so the planner itself only ever
 * sees complete specs and the defaults live in one place.
 */

export { weekdays } from "./plan-spec-schema.ts";
export type Weekday = (typeof weekdays)[number];

/** spec of an UpgradePlan: what to roll, to which nodes, how fast, when, and what counts as healthy. */
export type UpgradePlanSpec = z.infer<typeof planSpecSchema>;

/**
 * What to roll. OS and Kubernetes together cost one drain and one reboot. `rebootPending` is for
 * general-purpose nodes running basaltd in agent mode: reboot those that report /var/run/reboot-required.
 */
export type UpgradeTarget = UpgradePlanSpec["target"];
export type OsTarget = NonNullable<UpgradeTarget["os"]>;
export type KubernetesTarget = NonNullable<UpgradeTarget["kubernetes"]>;

/** A Kubernetes label selector; an empty one selects every node. */
export type LabelSelector = z.infer<typeof labelSelectorSchema>;
export type LabelSelectorRequirement = NonNullable<LabelSelector["matchExpressions"]>[number];
export type SelectorOperator = LabelSelectorRequirement["operator"];

/** How many nodes may be unavailable at once, counting nodes unavailable for any other reason. */
export type BudgetSpec = UpgradePlanSpec["budget"];
/** A count of nodes, or a percentage of the nodes in scope (`"10%"`): rounded down but at least 1. */
export type Quantity = BudgetSpec["maxUnavailable"];
/** The stricter budget of the critical lane, which may start nodes outside the windows. */
export type CriticalBudgetSpec = NonNullable<UpgradePlanSpec["criticalBudget"]>;
export type ProgressionSpec = NonNullable<UpgradePlanSpec["progression"]>;
/** When new nodes may start. `end` ≤ `start` means the window runs over midnight. */
export type MaintenanceWindow = NonNullable<UpgradePlanSpec["windows"]>[number];
export type Priority = NonNullable<UpgradePlanSpec["priority"]>;
export type DrainSpec = NonNullable<UpgradePlanSpec["drain"]>;
/** What to do when a PodDisruptionBudget still blocks the drain after its timeout. */
export type OnBlocked = NonNullable<DrainSpec["onBlocked"]>;
/** What counts as healthy after the reboot, and how long each step may take before the node fails. */
export type HealthSpec = NonNullable<UpgradePlanSpec["health"]>;
export type FailureSpec = NonNullable<UpgradePlanSpec["failure"]>;

export const defaultZoneLabel = "topology.kubernetes.io/zone";

/** A spec with every default filled in: what the planner works from. */
export interface ResolvedPlanSpec {
  target: UpgradeTarget;
  nodeSelector: LabelSelector;
  budget: { maxUnavailable: Quantity; perZone?: Quantity | undefined; zoneLabel: string };
  progression: { canary: number | string[]; batchSize?: Quantity | undefined; soakSeconds: number };
  windows: MaintenanceWindow[];
  exclusions: string[];
  exclusionTimeZone: string;
  priority: Priority;
  criticalBudget: CriticalBudgetSpec;
  drain: { timeoutSeconds: number; gracePeriodSeconds?: number | undefined; onBlocked: OnBlocked };
  health: Required<HealthSpec>;
  failure: Required<FailureSpec>;
  paused: boolean;
}

/** Fills in the defaults. Assumes a spec that `validatePlanSpec` accepted. */
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
