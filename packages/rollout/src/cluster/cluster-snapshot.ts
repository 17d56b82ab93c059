import type { NodeAgentStatus, NodeRef } from "../agent/node-agent.ts";
import { readUpgradeAnnotations } from "../planner/annotations.ts";
import type { ClusterState, NodeSnapshot, PdbSnapshot, PodSnapshot } from "../planner/cluster-state.ts";
import { isInProgress, pdbKey } from "../planner/cluster-state.ts";
import type { LabelSelector } from "../planner/plan-spec.ts";
import { matchesSelector } from "../planner/selector.ts";
import type { NodeObject, PdbObject, PodObject } from "./resources.ts";

/**
 * Turns the cached Nodes, Pods and PDBs (and what the node agents last reported) into the planner's
 * ClusterState. Pure, so what the planner is given can be tested without a cluster; the cluster
 * stays the only memory the controller has.
 */
export interface SnapshotInput {
  now: number;
  nodes: Iterable<NodeObject>;
  pods: Iterable<PodObject>;
  pdbs: Iterable<PdbObject>;
  /** The node agent's last report for a node, if any. */
  agentStatus(node: string): NodeAgentStatus | undefined;
}

/** The node as the planner sees it: conditions, cordon, versions and the upgrade state from annotations. */
export function nodeSnapshot(node: NodeObject, status: NodeAgentStatus | undefined): NodeSnapshot {
  const { cordonedByUs, upgrade } = readUpgradeAnnotations(node.annotations);
  const snapshot: NodeSnapshot = {
    name: node.name,
    labels: node.labels,
    ready: node.ready,
    unschedulable: node.unschedulable,
    cordonedByUs,
    versions: {},
  };
  if (node.ready && node.readyChanged !== undefined) snapshot.readySince = node.readyChanged;
  const kubernetes = status?.kubeletVersion ?? node.kubeletVersion;
  if (status?.osVersion) snapshot.versions.os = status.osVersion;
  if (kubernetes) snapshot.versions.kubernetes = kubernetes;
  if (status) {
    snapshot.rebootRequired = status.rebootPending;
    snapshot.healthy = status.healthy;
  }
  const bootId = status?.bootId ?? node.bootId;
  if (bootId) snapshot.bootId = bootId;
  if (upgrade) snapshot.upgrade = upgrade;
  // A node in the middle of an upgrade is Ready for the planner only once its agent has reported
  // since this boot: versions from before the reboot next to a new boot ID would read as "rebooted
  // into the old image" and fail a node that is merely slow to answer.
  const staleReport =
    status?.bootId !== undefined && node.bootId !== undefined && status.bootId !== node.bootId;
  if (upgrade && isInProgress(upgrade.phase) && (!status || staleReport)) {
    snapshot.ready = false;
    delete snapshot.readySince;
  }
  return snapshot;
}

/** Label a node agent may set with the OS version it runs; read when no agent was asked. */
export const osVersionLabel = "basalt.dev/os-version";

/**
 * What the Node object alone says about its agent's state, for readers that do not call node APIs
 * (basaltctl rollout preview/status): the simulated agent's annotations, else the OS version label
 * or a "Basalt X.Y.Z" osImage, and the kubelet's version. Health is assumed: gates that need the node
 * API are the controller's to check.
 */
export function statusFromNode(node: NodeObject): NodeAgentStatus {
  const a = node.annotations;
  const image = /^Basalt\s+v?(\S+)/.exec(node.osImage ?? "")?.[1];
  const os = a["sim.basalt.dev/os-version"] ?? node.labels[osVersionLabel] ?? image;
  const status: NodeAgentStatus = {
    healthy: a["sim.basalt.dev/healthy"] !== "false",
    rebootPending: a["sim.basalt.dev/reboot-required"] === "true",
  };
  if (os) status.osVersion = os;
  if (node.kubeletVersion) status.kubeletVersion = node.kubeletVersion;
  if (node.bootId) status.bootId = node.bootId;
  return status;
}

/** How the agent reaches the node. */
export function nodeRef(node: NodeObject): NodeRef {
  const ref: NodeRef = { name: node.name, addresses: node.addresses, annotations: node.annotations };
  if (node.kubeletVersion) ref.kubeletVersion = node.kubeletVersion;
  if (node.bootId) ref.bootId = node.bootId;
  return ref;
}

/**
 * A PDB whose status the disruption controller has not caught up with yet allows nothing: acting on
 * a stale count is how drains break budgets.
 */
export function pdbSnapshot(pdb: PdbObject): PdbSnapshot {
  const s: PdbSnapshot = {
    namespace: pdb.namespace,
    name: pdb.name,
    disruptionsAllowed: pdb.observed ? pdb.disruptionsAllowed : 0,
  };
  if (pdb.currentHealthy !== undefined) s.currentHealthy = pdb.currentHealthy;
  if (pdb.desiredHealthy !== undefined) s.desiredHealthy = pdb.desiredHealthy;
  return s;
}

/** The PDBs guarding each pod: same namespace, selector matches (policy/v1: an empty selector matches all). */
export function pdbsByPod(pods: Iterable<PodObject>, pdbs: Iterable<PdbObject>): Map<string, string[]> {
  const byNamespace = new Map<string, PdbObject[]>();
  for (const pdb of pdbs) {
    if (!pdb.selector) continue;
    const list = byNamespace.get(pdb.namespace) ?? [];
    list.push(pdb);
    byNamespace.set(pdb.namespace, list);
  }
  const out = new Map<string, string[]>();
  for (const pod of pods) {
    const guards = (byNamespace.get(pod.namespace) ?? [])
      .filter((pdb) => matchesSelector(pdb.selector as LabelSelector, pod.labels))
      .map(pdbKey);
    if (guards.length > 0) out.set(pod.key, guards);
  }
  return out;
}

export function podSnapshot(pod: PodObject, pdbs: string[]): PodSnapshot {
  const s: PodSnapshot = { namespace: pod.namespace, name: pod.name, node: pod.node, pdbs };
  if (pod.daemonSet) s.daemonSet = true;
  if (pod.mirror) s.mirror = true;
  if (pod.terminating) s.terminating = true;
  return s;
}

export function buildClusterState(input: SnapshotInput): ClusterState {
  const pods = [...input.pods];
  const pdbs = [...input.pdbs];
  const guards = pdbsByPod(pods, pdbs);
  return {
    now: input.now,
    nodes: [...input.nodes].map((n) => nodeSnapshot(n, input.agentStatus(n.name))),
    pods: pods.map((p) => podSnapshot(p, guards.get(p.key) ?? [])),
    pdbs: pdbs.map(pdbSnapshot),
  };
}
