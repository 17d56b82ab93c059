import { deletePod, type EvictionResult, evictPod, type Kube, type NodePatch, patchNode } from "@basalt/kube";

/**
 * The writes the reconciler makes to the cluster, as one small port over @basalt/kube: cordon and
 * per-node state in a single Node patch, evictions through the Eviction API (never a plain delete,
 * unless a plan says force), and annotations for the simulated agent. Every write returns what the
 * apiserver returned so the caller can put it in its cache at once.
 */
export interface ClusterWrites {
  patchNode(name: string, patch: NodePatch): Promise<unknown>;
  /** Evicts a pod; never throws (see EvictionResult: a PDB's refusal is `blocked`, APF's 429 `throttled`). */
  evict(namespace: string, name: string, gracePeriodSeconds?: number): Promise<EvictionResult>;
  /** Deletes a pod regardless of its PDBs: only for drain.onBlocked "force". */
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<void>;
}

export function kubeClusterWrites(kube: Kube): ClusterWrites {
  return {
    patchNode: (name, patch) => patchNode(kube, name, patch),
    evict: (namespace, name, gracePeriodSeconds) => evictPod(kube, namespace, name, { gracePeriodSeconds }),
    deletePod: (namespace, name, gracePeriodSeconds) => deletePod(kube, namespace, name, gracePeriodSeconds),
  };
}
