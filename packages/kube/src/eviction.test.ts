import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiException, type CoreV1Api } from "@kubernetes/client-node";
import { evictPod } from "./eviction.ts";

/** A CoreV1Api whose eviction call answers `answer` (a thrown error, or success). */
const core = (answer: unknown) =>
  ({
    createNamespacedPodEviction: async () => {
      if (answer !== undefined) throw answer;
      return { apiVersion: "v1", kind: "Status" };
    },
  }) as unknown as CoreV1Api;

const status = (
  code: number,
  reason: string,
  message: string,
  causes?: { reason: string; message: string }[],
) =>
  JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    code,
    reason,
    message,
    details: { causes },
  });

const pdbRefusal = status(
  429,
  "TooManyRequests",
  "Cannot evict pod as it would violate the pod's disruption budget.",
  [
    {
      reason: "DisruptionBudget",
      message: "The disruption budget web needs 3 healthy pods and has 3 currently",
    },
  ],
);

const cases: {
  name: string;
  answer: unknown;
  outcome: string;
  check?: (r: Record<string, unknown>) => void;
}[] = [
  { name: "accepted", answer: undefined, outcome: "evicted" },
  {
    name: "404: already gone",
    answer: new ApiException(404, "", status(404, "NotFound", 'pods "p" not found'), {}),
    outcome: "gone",
  },
  {
    name: "429 from a PodDisruptionBudget",
    answer: new ApiException(429, "", pdbRefusal, {}),
    outcome: "blocked",
    check: (r) =>
      assert.equal(r.message, "The disruption budget web needs 3 healthy pods and has 3 currently"),
  },
  {
    name: "429 from API Priority and Fairness is not a budget decision",
    answer: new ApiException(
      429,
      "",
      status(429, "TooManyRequests", "Too many requests, please try again later."),
      {
        "retry-after": "1",
      },
    ),
    outcome: "throttled",
    check: (r) => assert.equal(r.retryAfterSeconds, 1),
  },
  {
    name: "500: several budgets select the Pod",
    answer: new ApiException(
      500,
      "",
      status(500, "InternalError", "This pod has more than one PodDisruptionBudget"),
      {},
    ),
    outcome: "failed",
    check: (r) => assert.equal((r.error as { code: string }).code, "unavailable"),
  },
  {
    name: "403",
    answer: new ApiException(403, "", status(403, "Forbidden", "forbidden"), {}),
    outcome: "failed",
    check: (r) => assert.equal((r.error as { code: string }).code, "permission_denied"),
  },
  {
    name: "no answer (connection refused)",
    answer: new TypeError("fetch failed"),
    outcome: "failed",
    check: (r) => assert.equal((r.error as { code: string }).code, "unavailable"),
  },
];

for (const c of cases) {
  test(`evictPod: ${c.name} → ${c.outcome}`, async () => {
    const r = await evictPod(core(c.answer), "ns", "p");
    assert.equal(r.outcome, c.outcome);
    assert.equal(r.pod, "ns/p");
    c.check?.(r as unknown as Record<string, unknown>);
  });
}
