/**
 * basalt-controller: rolls OS and Kubernetes upgrades across a cluster without taking down more
 * capacity than the plan allows. This entry point exports the pure planner; the reconciler and the
 * Kubernetes I/O build on it.
 */
export type {
  Action,
  ActionKind,
  NodeDecision,
  NodeStatus,
  PlanResult,
  PlanSummary,
  ReasonCode,
} from "./planner/actions.ts";
export {
  annotationKeys,
  cordonOwner,
  readUpgradeAnnotations,
  upgradeAnnotationsPatch,
} from "./planner/annotations.ts";
export { resolveQuantity } from "./planner/budget.ts";
export type {
  ClusterState,
  NodeSnapshot,
  NodeUpgradeState,
  PdbSnapshot,
  PodSnapshot,
  UpgradePhase,
} from "./planner/cluster-state.ts";
export { isInProgress, pdbKey, podKey, upgradePhases } from "./planner/cluster-state.ts";
export { describeTarget } from "./planner/node-step.ts";
export type {
  BudgetSpec,
  CriticalBudgetSpec,
  DrainSpec,
  FailureSpec,
  HealthSpec,
  KubernetesTarget,
  LabelSelector,
  LabelSelectorRequirement,
  MaintenanceWindow,
  OnBlocked,
  OsTarget,
  Priority,
  ProgressionSpec,
  Quantity,
  ResolvedPlanSpec,
  UpgradePlanSpec,
  UpgradeTarget,
  Weekday,
} from "./planner/plan-spec.ts";
export { defaultZoneLabel, resolvePlanSpec, targetKey, weekdays } from "./planner/plan-spec.ts";
export type { SpecProblem } from "./planner/plan-spec-validation.ts";
export { checkPlanSpec, validatePlanSpec } from "./planner/plan-spec-validation.ts";
export { plan } from "./planner/planner.ts";
export { matchesSelector } from "./planner/selector.ts";
export type { WindowState } from "./planner/windows.ts";
export { inWindow, windowState } from "./planner/windows.ts";
