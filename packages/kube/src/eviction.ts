import type { BasaltError } from "@basalt/machinery";
import type { CoreV1Api, V1Eviction } from "@kubernetes/client-node";
import { apiFailure, kubeError } from "./api-errors.ts";
import { withSignal } from "./request-options.ts";

/**
 * How an eviction went. Draining branches on `outcome`, never on message text:
 * - `evicted`: the apiserver accepted it; the Pod is terminating (gone once its kubelet says so).
 * - `gone`: the Pod did not exist (already evicted or deleted): as good as evicted.
 * - `blocked`: a PodDisruptionBudget forbids it now (HTTP 429 with cause `DisruptionBudget`);
 *   retry later. `message` is the apiserver's, e.g. "The disruption budget web needs 3 healthy
 *   pods and has 3 currently".
 * - `throttled`: HTTP 429 for another reason (API Priority and Fairness): retry after
 *   `retryAfterSeconds`; not a budget decision.
 * - `failed`: anything else (e.g. 500 when several budgets select the Pod, 403, unreachable).
 */
export type EvictionResult =
  | { outcome: "evicted"; pod: string }
  | { outcome: "gone"; pod: string }
  | { outcome: "blocked"; pod: string; message: string; retryAfterSeconds: number | undefined }
  | { outcome: "throttled"; pod: string; message: string; retryAfterSeconds: number | undefined }
  | { outcome: "failed"; pod: string; error: BasaltError };

/** Options of `evictPod`. */
export interface EvictOptions {
  /** Overrides the Pod's terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  /** Ask the apiserver whether it would evict, without evicting (`dryRun=All`). */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/**
 * Evicts one Pod through the Eviction API (`pods/eviction`), which — unlike a delete — honours
 * PodDisruptionBudgets. Never throws: every answer becomes an `EvictionResult`.
 */
export async function evictPod(
  core: CoreV1Api,
  namespace: string,
  name: string,
  options: EvictOptions = {},
): Promise<EvictionResult> {
  const pod = `${namespace}/${name}`;
  const body: V1Eviction = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace },
    ...(options.gracePeriodSeconds === undefined
      ? {}
      : { deleteOptions: { gracePeriodSeconds: options.gracePeriodSeconds } }),
  };
  try {
    await core.createNamespacedPodEviction(
      { name, namespace, body, ...(options.dryRun ? { dryRun: "All" } : {}) },
      options.signal ? withSignal(options.signal) : undefined,
    );
    return { outcome: "evicted", pod };
  } catch (err) {
    const failure = apiFailure(err);
    if (failure.code === 404) return { outcome: "gone", pod };
    if (failure.code === 429) {
      const byBudget = failure.status?.details?.causes?.some((c) => c.reason === "DisruptionBudget") ?? false;
      const message =
        failure.status?.details?.causes?.find((c) => c.reason === "DisruptionBudget")?.message ??
        failure.message;
      return {
        outcome: byBudget ? "blocked" : "throttled",
        pod,
        message,
        retryAfterSeconds: failure.retryAfterSeconds,
      };
    }
    return { outcome: "failed", pod, error: kubeError(`evict Pod ${pod}`, err) };
  }
}
