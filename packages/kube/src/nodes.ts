import type { CoreV1Api } from "@kubernetes/client-node";
import { kubeError } from "./api-errors.ts";
import { mergePatchOptions, withSignal } from "./request-options.ts";

/** A Node after a cordon or uncordon. */
export interface CordonResult {
  node: string;
  unschedulable: boolean;
  resourceVersion: string | undefined;
}

/** Options of `cordonNode`/`uncordonNode`. */
export interface CordonOptions {
  /**
   * Annotations to set in the same patch (a `null` value removes one): the upgrade controller marks
   * the Nodes it cordoned, so it uncordons only those and not one an operator cordoned by hand.
   */
  annotations?: Record<string, string | null>;
  signal?: AbortSignal;
}

async function setUnschedulable(core: CoreV1Api, name: string, value: boolean, options: CordonOptions) {
  // Merge patch: `unschedulable: null` removes the field (what kubectl uncordon leaves behind).
  const body = {
    spec: { unschedulable: value ? true : null },
    ...(options.annotations ? { metadata: { annotations: options.annotations } } : {}),
  };
  const opts = mergePatchOptions(options.signal ? withSignal(options.signal) : undefined);
  try {
    const node = await core.patchNode({ name, body }, opts);
    return {
      node: name,
      unschedulable: node.spec?.unschedulable === true,
      resourceVersion: node.metadata?.resourceVersion,
    };
  } catch (err) {
    throw kubeError(`${value ? "cordon" : "uncordon"} Node ${name}`, err);
  }
}

/**
 * Marks a Node unschedulable (what `kubectl cordon` does), with a JSON merge patch so that it does
 * not race other writers of the Node (kubelet status, labels) the way a read-modify-update would.
 * Idempotent. Throws a BasaltError (`not_found`, `permission_denied`, …) on failure.
 */
export function cordonNode(
  core: CoreV1Api,
  name: string,
  options: CordonOptions = {},
): Promise<CordonResult> {
  return setUnschedulable(core, name, true, options);
}

/** Makes a Node schedulable again (`kubectl uncordon`); see `cordonNode`. */
export function uncordonNode(
  core: CoreV1Api,
  name: string,
  options: CordonOptions = {},
): Promise<CordonResult> {
  return setUnschedulable(core, name, false, options);
}
