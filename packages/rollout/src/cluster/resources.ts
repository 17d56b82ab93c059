import type { Cached } from "@basalt/kube";

/**
 * The trimmed shapes the controller caches: only the fields it reads. A Node keeps just the
 * annotations under our prefixes (others, like kubeadm's, can be large), a Pod just what drains and
 * PDB matching need. Pure functions from raw apiserver JSON, tested without a cluster.
 */

/** Annotation and label prefixes the controller (and its simulated agent) read. */
export const keptPrefixes = ["upgrade.basalt.dev/", "sim.basalt.dev/", "basalt.dev/"];

export interface NodeObject extends Cached {
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  unschedulable: boolean;
  ready: boolean;
  /** When Ready last changed (ms since the epoch). */
  readyChanged?: number;
  bootId?: string;
  kubeletVersion?: string;
  osImage?: string;
  addresses: { type: string; address: string }[];
}

export interface PodObject extends Cached {
  namespace: string;
  name: string;
  node: string;
  labels: Record<string, string>;
  daemonSet: boolean;
  mirror: boolean;
  terminating: boolean;
  ready: boolean;
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PdbObject extends Cached {
  namespace: string;
  name: string;
  /** Absent selects nothing (policy/v1: a null selector matches no pods). */
  selector?: LabelSelectorObject;
  disruptionsAllowed: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  /** The disruption controller has seen the PDB's current generation. */
  observed: boolean;
}

export interface PlanObject extends Cached {
  name: string;
  /** The plan is being deleted (deletionTimestamp set): no new step may start for it. */
  deleting?: boolean;
  /** metadata.finalizers: the controller's (planFinalizer) holds a deleted plan until its nodes are back. */
  finalizers: string[];
  uid: string;
  generation: number;
  created: number;
  spec: unknown;
  status?: Record<string, unknown>;
}

type Raw = Record<string, unknown>;
interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; controller?: boolean }[];
  finalizers?: string[];
}

function kept(map: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) {
    if (keptPrefixes.some((p) => k.startsWith(p))) out[k] = v;
  }
  return out;
}

export function toNode(raw: unknown): NodeObject {
  const r = raw as Raw;
  const m = r.metadata as Meta;
  const spec = (r.spec ?? {}) as { unschedulable?: boolean };
  const status = (r.status ?? {}) as {
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    nodeInfo?: { bootID?: string; kubeletVersion?: string; osImage?: string };
    addresses?: { type: string; address: string }[];
  };
  const readyCond = status.conditions?.find((c) => c.type === "Ready");
  const node: NodeObject = {
    key: m.name,
    name: m.name,
    uid: m.uid ?? "",
    resourceVersion: m.resourceVersion,
    labels: m.labels ?? {},
    annotations: kept(m.annotations),
    unschedulable: spec.unschedulable === true,
    ready: readyCond?.status === "True",
    addresses: (status.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
  };
  const changed = Date.parse(readyCond?.lastTransitionTime ?? "");
  if (!Number.isNaN(changed)) node.readyChanged = changed;
  if (status.nodeInfo?.bootID) node.bootId = status.nodeInfo.bootID;
  if (status.nodeInfo?.kubeletVersion) node.kubeletVersion = status.nodeInfo.kubeletVersion;
  if (status.nodeInfo?.osImage) node.osImage = status.nodeInfo.osImage;
  return node;
}

/** Scheduled, unfinished pods only: the others never need a drain. */
export function toPod(raw: unknown): PodObject | undefined {
  const r = raw as Raw;
  const m = r.metadata as Meta;
  const spec = (r.spec ?? {}) as { nodeName?: string };
  const status = (r.status ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
  if (!spec.nodeName || status.phase === "Succeeded" || status.phase === "Failed") return undefined;
  const owner = m.ownerReferences?.find((o) => o.controller) ?? m.ownerReferences?.[0];
  return {
    key: `${m.namespace}/${m.name}`,
    resourceVersion: m.resourceVersion,
    namespace: m.namespace ?? "",
    name: m.name,
    node: spec.nodeName,
    labels: m.labels ?? {},
    daemonSet: owner?.kind === "DaemonSet",
    mirror: m.annotations?.["kubernetes.io/config.mirror"] !== undefined,
    terminating: m.deletionTimestamp !== undefined,
    ready: status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true,
  };
}

export function toPdb(raw: unknown): PdbObject {
  const r = raw as Raw;
  const m = r.metadata as Meta;
  const spec = (r.spec ?? {}) as { selector?: LabelSelectorObject };
  const status = (r.status ?? {}) as {
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    observedGeneration?: number;
  };
  const pdb: PdbObject = {
    key: `${m.namespace}/${m.name}`,
    resourceVersion: m.resourceVersion,
    namespace: m.namespace ?? "",
    name: m.name,
    disruptionsAllowed: status.disruptionsAllowed ?? 0,
    observed: (status.observedGeneration ?? -1) >= (m.generation ?? 0),
  };
  if (spec.selector) pdb.selector = spec.selector;
  if (status.currentHealthy !== undefined) pdb.currentHealthy = status.currentHealthy;
  if (status.desiredHealthy !== undefined) pdb.desiredHealthy = status.desiredHealthy;
  return pdb;
}

export function toPlan(raw: unknown): PlanObject {
  const r = raw as Raw;
  const m = r.metadata as Meta;
  const plan: PlanObject = {
    key: m.name,
    resourceVersion: m.resourceVersion,
    name: m.name,
    uid: m.uid ?? "",
    generation: m.generation ?? 0,
    created: Date.parse(m.creationTimestamp ?? "") || 0,
    spec: r.spec,
    finalizers: m.finalizers ?? [],
  };
  if (m.deletionTimestamp) plan.deleting = true;
  if (r.status) plan.status = r.status as Record<string, unknown>;
  return plan;
}
