import { hasStatus } from "./kube-errors.ts";
import type { Kube } from "./kube-client.ts";

/**
 * The writes the reconciler makes to the cluster, as one small port: cordon and per-node state in a
 * single Node patch, evictions through the Eviction API (never a plain delete, unless a plan says
 * force), and annotations for the simulated agent. Every write returns what the apiserver returned so
 * the caller can put it in its cache at once.
 */
export interface NodePatch {
  unschedulable?: boolean;
  annotations: Record<string, string | null>;
  /** Only if the Node is still at this resourceVersion (409 otherwise): for decisions made on it. */
  resourceVersion?: string;
}

export type EvictionResult = "evicted" | "blocked" | "gone";

export interface ClusterWrites {
  patchNode(name: string, patch: NodePatch): Promise<unknown>;
  /** Evicts a pod; "blocked" when a PodDisruptionBudget refuses (429), "gone" when it no longer exists. */
  evict(namespace: string, name: string, gracePeriodSeconds?: number): Promise<EvictionResult>;
  /** Deletes a pod regardless of its PDBs: only for drain.onBlocked "force". */
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<void>;
}

export function kubeClusterWrites(kube: Kube): ClusterWrites {
  return {
    patchNode(name, patch) {
      const metadata: Record<string, unknown> = { annotations: patch.annotations };
      if (patch.resourceVersion) metadata.resourceVersion = patch.resourceVersion;
      const body: Record<string, unknown> = { metadata };
      if (patch.unschedulable !== undefined) body.spec = { unschedulable: patch.unschedulable };
      return kube.request({ method: "PATCH", path: `/api/v1/nodes/${name}`, body });
    },
    async evict(namespace, name, gracePeriodSeconds) {
      const body: Record<string, unknown> = {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name, namespace },
      };
      if (gracePeriodSeconds !== undefined) body.deleteOptions = { gracePeriodSeconds };
      try {
        await kube.request({
          method: "POST",
          path: `/api/v1/namespaces/${namespace}/pods/${name}/eviction`,
          body,
        });
        return "evicted";
      } catch (err) {
        if (hasStatus(err, 429)) return "blocked";
        if (hasStatus(err, 404)) return "gone";
        throw err;
      }
    },
    async deletePod(namespace, name, gracePeriodSeconds) {
      try {
        await kube.request({
          method: "DELETE",
          path: `/api/v1/namespaces/${namespace}/pods/${name}`,
          body: gracePeriodSeconds === undefined ? undefined : { gracePeriodSeconds },
        });
      } catch (err) {
        if (!hasStatus(err, 404)) throw err;
      }
    },
  };
}
