import type { Kube } from "./kube-client.ts";

/** A JSON merge patch of a Node's schedulability and annotations. */
export interface NodePatch {
  /** true: cordon (`kubectl cordon`); false: uncordon (the field is removed, as kubectl does). */
  unschedulable?: boolean;
  /** Annotations to set in the same patch (a `null` value removes one). */
  annotations?: Record<string, string | null>;
  /** Only if the Node is still at this resourceVersion (409 otherwise): for decisions made on it. */
  resourceVersion?: string;
  signal?: AbortSignal;
}

/**
 * Patches a Node with a JSON merge patch, so it does not race other writers of the Node (kubelet
 * status, labels) the way a read-modify-update would. Cordon and per-node state go in one patch:
 * the upgrade controller marks the Nodes it cordoned, so it uncordons only those. Resolves with the
 * Node the apiserver returned (for the caller's cache); rejects with a KubeApiError.
 */
export function patchNode(kube: Kube, name: string, patch: NodePatch): Promise<unknown> {
  const metadata: Record<string, unknown> = {};
  if (patch.annotations) metadata.annotations = patch.annotations;
  if (patch.resourceVersion) metadata.resourceVersion = patch.resourceVersion;
  const body: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) body.metadata = metadata;
  // Merge patch: `unschedulable: null` removes the field (what kubectl uncordon leaves behind).
  if (patch.unschedulable !== undefined) body.spec = { unschedulable: patch.unschedulable ? true : null };
  return kube.request({
    method: "PATCH",
    path: `/api/v1/nodes/${name}`,
    patch: "merge",
    body,
    ...(patch.signal ? { signal: patch.signal } : {}),
  });
}

/** Marks a Node unschedulable (`kubectl cordon`); see `patchNode`. Idempotent. */
export function cordonNode(kube: Kube, name: string, options: Omit<NodePatch, "unschedulable"> = {}) {
  return patchNode(kube, name, { ...options, unschedulable: true });
}

/** Makes a Node schedulable again (`kubectl uncordon`); see `patchNode`. Idempotent. */
export function uncordonNode(kube: Kube, name: string, options: Omit<NodePatch, "unschedulable"> = {}) {
  return patchNode(kube, name, { ...options, unschedulable: false });
}
