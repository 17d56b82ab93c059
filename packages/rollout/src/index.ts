/**
 * @basalt/rollout: the rollout's decisions and vocabulary, shared by basalt-controller (which acts
 * on them), basaltctl (preview, status), the tests and the benchmarks. The pure planner, the
 * UpgradePlan schema (one source: TypeScript types and the CRD), the Node annotations that hold
 * per-node state, reading the cluster once and turning it into the planner's snapshot, the plan's
 * status, the NodeAgent port, and the simulation protocol between a simulated agent and simulated
 * nodes.
 */

export { KubeClient, resolveEndpoint } from "@basalt/kube";
export {
  type Accepted,
  type AgentCallOptions,
  isPermanentAgentError,
  type NodeAgent,
  type NodeAgentStatus,
  type NodeRef,
} from "./agent/node-agent.ts";
export { type ClusterObjects, readCluster, readPlan } from "./cluster/cluster-read.ts";
export {
  buildClusterState,
  nodeRef,
  nodeSnapshot,
  osVersionLabel,
  pdbSnapshot,
  pdbsByPod,
  podSnapshot,
  type SnapshotInput,
  statusFromNode,
} from "./cluster/cluster-snapshot.ts";
export {
  keptPrefixes,
  type LabelSelectorObject,
  type NodeObject,
  type PdbObject,
  type PlanObject,
  type PodObject,
  toNode,
  toPdb,
  toPlan,
  toPod,
} from "./cluster/resources.ts";
export { planFinalizer, upgradePlanCrd, upgradePlanPath } from "./crd/upgrade-plan-crd.ts";
export type {
  Action,
  ActionKind,
  NodeDecision,
  NodeStatus,
  PlanResult,
  PlanSummary,
  ReasonCode,
} from "./planner/actions.ts";
export { waitingReasonCodes } from "./planner/actions.ts";
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
export { type HandBack, type HandBackNode, handBack } from "./planner/hand-back.ts";
export { describeTarget } from "./planner/node-step.ts";
export { bootIdOf } from "./planner/node-view.ts";
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
export type { SpecProblem } from "./planner/plan-spec-schema.ts";
export { checkPlanSpec, planSpecSchema, validatePlanSpec } from "./planner/plan-spec-schema.ts";
export { plan } from "./planner/planner.ts";
export { matchesSelector } from "./planner/selector.ts";
export type { WindowState } from "./planner/windows.ts";
export { inWindow, windowState } from "./planner/windows.ts";
export { type PreviewWave, previewRollout, type RolloutPreview } from "./preview/rollout-preview.ts";
export { blockedCodes, type NodeReport, rolloutReport } from "./preview/rollout-report.ts";
export {
  parseRequest,
  type SimFailure,
  type SimRequest,
  sameRequest,
  simKeys,
} from "./sim/sim-protocol.ts";
export {
  type Condition,
  canonicalJson,
  type PlanStatus,
  planStatus,
  type StatusInput,
  statusChanged,
  topReasons,
} from "./status/plan-status.ts";
export { planStatusSchema } from "./status/plan-status-schema.ts";
