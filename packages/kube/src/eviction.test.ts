import assert from "node:assert/strict";
import { test } from "node:test";
import { kubeErrorFrom } from "./api-errors.ts";
import { evictPod } from "./eviction.ts";
import type { Kube, KubeRequest } from "./kube-client.ts";

/** A Kube whose eviction call answers like the apiserver would: HTTP `code` with `body`, or success. */
function kube(answer?: { code: number; body: string; retryAfter?: string } | Error) {
  const sent: KubeRequest[] = [];
  const k: Kube = {
    async request<T>(req: KubeRequest): Promise<T> {
      sent.push(req);
      if (answer instanceof Error) throw answer;
      if (answer) throw kubeErrorFrom(answer.code, answer.body, `POST ${req.path}`, answer.retryAfter);
      return { kind: "Status" } as T;
    },
    watch: () => Promise.reject(new Error("not used")),
  };
  return { k, sent };
}

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

const budgetMessage = "The disruption budget web needs 3 healthy pods and has 3 currently";

const cases: {
  name: string;
  answer?: { code: number; body: string; retryAfter?: string } | Error;
  outcome: string;
  check?: (r: Record<string, unknown>) => void;
}[] = [
  { name: "accepted", outcome: "evicted" },
  {
    name: "404: already gone",
    answer: { code: 404, body: status(404, "NotFound", 'pods "p" not found') },
    outcome: "gone",
  },
  {
    name: "429 from a PodDisruptionBudget (DisruptionBudget cause)",
    answer: {
      code: 429,
      body: status(
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
        [{ reason: "DisruptionBudget", message: budgetMessage }],
      ),
    },
    outcome: "blocked",
    check: (r) => assert.equal(r.message, budgetMessage),
  },
  {
    name: "429 naming the disruption budget without a cause",
    answer: {
      code: 429,
      body: status(
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
      ),
    },
    outcome: "blocked",
  },
  {
    name: "429 from API Priority and Fairness is not a budget decision",
    answer: {
      code: 429,
      body: status(429, "TooManyRequests", "Too many requests, please try again later."),
      retryAfter: "1",
    },
    outcome: "throttled",
    check: (r) => assert.equal(r.retryAfterSeconds, 1),
  },
  {
    name: "500: several budgets select the Pod",
    answer: {
      code: 500,
      body: status(500, "InternalError", "This pod has more than one PodDisruptionBudget"),
    },
    outcome: "failed",
    check: (r) => assert.equal((r.error as { code: string }).code, "unavailable"),
  },
  {
    name: "403",
    answer: { code: 403, body: status(403, "Forbidden", "forbidden") },
    outcome: "failed",
    check: (r) => assert.equal((r.error as { code: string }).code, "permission_denied"),
  },
  {
    name: "no answer (connection refused)",
    answer: kubeErrorFrom(0, "connect ECONNREFUSED", "POST eviction"),
    outcome: "failed",
    check: (r) => assert.equal((r.error as { code: string }).code, "unavailable"),
  },
];

for (const c of cases) {
  test(`evictPod: ${c.name} → ${c.outcome}`, async () => {
    const { k, sent } = kube(c.answer);
    const r = await evictPod(k, "ns", "p", { gracePeriodSeconds: 5 });
    assert.equal(r.outcome, c.outcome);
    assert.equal(r.pod, "ns/p");
    assert.equal(sent[0]?.path, "/api/v1/namespaces/ns/pods/p/eviction");
    assert.deepEqual((sent[0]?.body as { deleteOptions?: unknown } | undefined)?.deleteOptions, {
      gracePeriodSeconds: 5,
    });
    c.check?.(r as unknown as Record<string, unknown>);
  });
}
