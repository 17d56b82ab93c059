import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeDecision, PlanResult } from "../planner/actions.ts";
import { canonicalJson, maxReasons, planStatus, statusChanged, topReasons } from "./plan-status.ts";

function result(nodes: NodeDecision[], summary: Partial<PlanResult["summary"]> = {}): PlanResult {
  return {
    actions: [],
    nodes,
    summary: {
      nodes: nodes.length,
      counts: {},
      lane: "normal",
      unavailable: 0,
      maxUnavailable: 1,
      zones: [],
      failed: 0,
      maxFailed: 1,
      window: { open: true },
      stage: { batch: 1 },
      complete: false,
      ...summary,
    },
  };
}

const d = (
  node: string,
  code: NodeDecision["code"],
  status: NodeDecision["status"] = "pending",
): NodeDecision => ({
  node,
  zone: "a",
  status,
  code,
  reason: `${node}: ${code}`,
});

test("the reasons list is bounded and puts failures and PDB blocks first", () => {
  const nodes = [
    ...Array.from({ length: 40 }, (_, i) => d(`w${i}`, "budget")),
    d("f", "failed", "failed"),
    d("p", "pdb"),
    d("ok", "done", "done"),
  ];
  const reasons = topReasons(nodes)!;
  assert.equal(reasons.length, maxReasons);
  assert.deepEqual(
    reasons.slice(0, 2).map((r) => r.node),
    ["f", "p"],
  );
  assert.ok(!reasons.some((r) => r.node === "ok"));
});

test("conditions keep their transition time while their status holds", () => {
  const paused = result([d("n", "paused")], { paused: "plan paused: 2 of 9 failed (budget 1)" });
  const first = planStatus({ generation: 1, now: 1000, previous: [], result: paused });
  const cond = (s: typeof first, t: string) => s.conditions.find((c) => c.type === t)!;
  assert.equal(first.phase, "Paused");
  assert.equal(cond(first, "Paused").reason, "FailureBudget");
  const second = planStatus({ generation: 1, now: 9000, previous: first.conditions, result: paused });
  assert.equal(cond(second, "Paused").lastTransitionTime, cond(first, "Paused").lastTransitionTime);
  const resumed = planStatus({
    generation: 2,
    now: 9000,
    previous: second.conditions,
    result: result([d("n", "acting")]),
  });
  assert.equal(cond(resumed, "Paused").status, "False");
  assert.equal(cond(resumed, "Paused").lastTransitionTime, new Date(9000).toISOString());
});

test("an invalid spec says what is wrong", () => {
  const s = planStatus({
    generation: 3,
    now: 0,
    previous: [],
    problems: [{ path: "budget.maxUnavailable", message: "required" }],
  });
  assert.equal(s.phase, "Invalid");
  assert.match(s.conditions[0]!.message, /budget\.maxUnavailable: required/);
});

test("status comparison ignores key order and the update time", () => {
  const s = planStatus({ generation: 1, now: 0, previous: [], result: result([d("n", "budget")]) });
  const reordered = JSON.parse(canonicalJson({ ...s, lastUpdateTime: "x" }));
  assert.equal(statusChanged(reordered, s), false);
  assert.equal(statusChanged({ ...s, phase: "Complete" }, s), true);
});
