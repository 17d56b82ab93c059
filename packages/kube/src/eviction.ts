import { BasaltError } from "@basalt/machinery";
import { KubeApiError } from "./api-errors.ts";
import type { Kube } from "./kube-client.ts";

/**
 * How an eviction went. Draining branches on `outcome`, never on message text:
 * - `evicted`: the apiserver accepted it; the Pod is terminating (gone once its kubelet says so).
 * - `gone`: the Pod did not exist (already evicted or deleted): as good as evicted.
 * - `blocked`: a PodDisruptionBudget forbids it now (HTTP 429 with a `DisruptionBudget` cause, or
 *   a 429 whose message names the disruption budget); retry later. `message` is the apiserver's,
 *   e.g. "The disruption budget web needs 3 healthy pods and has 3 currently".
 * - `throttled`: HTTP 429 for another reason (API Priority and Fairness): retry after
 *   `retryAfterSeconds`; not a budget decision, so it must not be reported as one.
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
  gracePeriodSeconds?: number | undefined;
  /** Ask the apiserver whether it would evict, without evicting (`dryRun=All`). */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/**
 * Whether a 429 on `pods/eviction` is a PodDisruptionBudget's refusal. The eviction REST handler
 * sets cause `DisruptionBudget`; an older path says only "…would violate the pod's disruption
 * budget". A 429 from API Priority and Fairness has neither (and comes with Retry-After).
 */
export function isBudgetRefusal(err: KubeApiError): boolean {
  if (err.status !== 429) return false;
  return err.causes.some((c) => c.reason === "DisruptionBudget") || /disruption budget/i.test(err.message);
}

/**
 * Evicts one Pod through the Eviction API (`pods/eviction`), which — unlike a delete — honours
 * PodDisruptionBudgets. Never throws: every answer becomes an `EvictionResult`.
 */
export async function evictPod(
  kube: Kube,
  namespace: string,
  name: string,
  options: EvictOptions = {},
): Promise<EvictionResult> {
  const pod = `${namespace}/${name}`;
  const body: Record<string, unknown> = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace },
  };
  if (options.gracePeriodSeconds !== undefined)
    body.deleteOptions = { gracePeriodSeconds: options.gracePeriodSeconds };
  try {
    await kube.request({
      method: "POST",
      path: `/api/v1/namespaces/${namespace}/pods/${name}/eviction`,
      query: { dryRun: options.dryRun ? "All" : undefined },
      body,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { outcome: "evicted", pod };
  } catch (err) {
    if (!(err instanceof KubeApiError)) {
      const error =
        err instanceof BasaltError
          ? err
          : new BasaltError("unavailable", `evict Pod ${pod}: ${String(err)}`, { cause: err });
      return { outcome: "failed", pod, error };
    }
    if (err.status === 404) return { outcome: "gone", pod };
    if (err.status === 429) {
      const budget = isBudgetRefusal(err);
      const message = err.causes.find((c) => c.reason === "DisruptionBudget")?.message ?? err.message;
      return {
        outcome: budget ? "blocked" : "throttled",
        pod,
        message,
        retryAfterSeconds: err.retryAfterSeconds,
      };
    }
    return { outcome: "failed", pod, error: err };
  }
}
