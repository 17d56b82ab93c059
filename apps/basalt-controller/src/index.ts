/**
 * basalt-controller: rolls OS and Kubernetes upgrades across a cluster without taking down more
 * capacity than the plan allows. This entry point exports the pure planner and what basaltctl's
 * rollout commands read the cluster with; the controller itself starts from main.ts.
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

// For basaltctl's rollout commands: read the cluster once, preview a plan, report on one.
export type { NodeAgentStatus } from "./agent/node-agent.ts";
export { upgradePlanCrd, upgradePlanPath } from "./crd/upgrade-plan-crd.ts";
export { type ClusterObjects, readCluster, readPlan } from "./k8s/cluster-read.ts";
export { KubeClient } from "./k8s/kube-client.ts";
export { KubeApiError } from "./k8s/kube-errors.ts";
export { resolveEndpoint } from "./k8s/kubeconfig.ts";
export type { NodeObject, PlanObject } from "./k8s/resources.ts";
export { type PreviewWave, previewRollout, type RolloutPreview } from "./preview/rollout-preview.ts";
export { blockedCodes, type NodeReport, rolloutReport } from "./preview/rollout-report.ts";
export { buildClusterState, statusFromNode } from "./reconcile/cluster-snapshot.ts";
export type { PlanStatus } from "./reconcile/plan-status.ts";
