/**
 * @basalt/kube: Basalt's only Kubernetes client code. A small REST client (requests and watches over
 * keep-alive HTTPS), kubeconfig and in-cluster credentials, one error type, list/watch caches, the
 * Node/Pod calls a drain makes (cordon, evict, delete, patch) and Lease leader election.
 */
export { errorCodeFor, hasStatus, KubeApiError, kubeErrorFrom, type StatusCause } from "./api-errors.ts";
export { type EvictionResult, type EvictOptions, evictPod, isBudgetRefusal } from "./eviction.ts";
export { type Kube, KubeClient, type KubeRequest, type WatchEventType } from "./kube-client.ts";
export { inClusterEndpoint, type KubeEndpoint, loadKubeconfig, resolveEndpoint } from "./kubeconfig.ts";
export type { DecisionInput, LeaderDecision, LeaseState } from "./leader-election/decide.ts";
export { decideLeadership, nextLeaseState, releasedLeaseState } from "./leader-election/decide.ts";
export {
  type LeaderCallbacks,
  LeaderElector,
  type LeaderElectorDeps,
} from "./leader-election/leader-elector.ts";
export { KubeLeaseLock, type LeaseLock, type LeaseRecord } from "./leader-election/lease-lock.ts";
export { jitterFactor, type LeaderElectionOptions, resolveTiming } from "./leader-election/options.ts";
export { type ListQuery, listAll, listPages } from "./list.ts";
export { formatMicroTime, parseMicroTime } from "./micro-time.ts";
export {
  bootstrapWorkerGroup,
  type NodeJoinObjects,
  type NodeJoinOptions,
  type NodeJoinResult,
  nodeJoinObjects,
  parseBootstrapToken,
  prepareNodeJoin,
} from "./node-join.ts";
export { cordonNode, type NodePatch, patchNode, uncordonNode } from "./nodes.ts";
export { deletePod } from "./pods.ts";
export { type Cached, keyOf, Reflector, type ReflectorOptions } from "./reflector.ts";
