import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeSnapshot } from "./cluster-state.ts";
import { describeTarget } from "./node-step.ts";
import { plan } from "./planner.ts";
import {
  actionList,
  cluster,
  decision,
  newOs,
  newTarget,
  node,
  ours,
  spec,
  t0,
  upgrade,
} from "./test-support/fixtures.ts";

/**
 * Editing a plan's target mid-rollout (the README's table, row by row): every node that is not
 * finished is re-aimed at the new target from where it is; nothing is failed or rolled back for an
 * edit the operator made; finished nodes start again for the new target under the budget.
 * The node states below are for the old target (os 1.0.9); the plan now says os 1.1.0.
 */
const oldKey = "os=1.0.9";
const oldState = (agoSeconds = 30) => ({
  target: oldKey,
  agoSeconds,
  bootId: "n1-boot-0",
});

interface Row {
  phase: string;
  node: NodeSnapshot;
  /** The action the edit leads to now (undefined: none this pass). */
  action?: string;
  /** The node's status for the new plan. */
  status: string;
}

const rows: Row[] = [
  {
    phase: "cordoned",
    node: ours("n1", "cordoned", { state: oldState() }),
    action: "upgrade",
    status: "cordoned",
  },
  {
    phase: "draining",
    node: ours("n1", "draining", { state: oldState() }),
    action: "upgrade",
    status: "draining",
  },
  {
    phase: "upgrading (install of the old target under way)",
    node: ours("n1", "upgrading", { state: oldState() }),
    action: "upgrade",
    status: "upgrading",
  },
  {
    phase: "rebooting, still down",
    node: ours("n1", "rebooting", { ready: false, bootId: "n1-boot-1", state: oldState() }),
    status: "rebooting",
  },
  {
    phase: "rebooting, back up on the old target",
    node: ours("n1", "rebooting", {
      versions: { os: "1.0.9" },
      bootId: "n1-boot-1",
      state: oldState(),
    }),
    action: "upgrade",
    status: "rebooting",
  },
  {
    phase: "verifying the old target",
    node: ours("n1", "verifying", {
      versions: { os: "1.0.9" },
      bootId: "n1-boot-1",
      state: oldState(),
    }),
    action: "upgrade",
    status: "verifying",
  },
  {
    phase: "done on the old target",
    node: node("n1", { versions: { os: "1.0.9" }, upgrade: upgrade("done", { target: oldKey }) }),
    action: "cordon",
    status: "pending",
  },
  {
    phase: "failed on the old target",
    node: node("n1", { upgrade: upgrade("failed", { target: oldKey, lastError: "x" }) }),
    action: "cordon",
    status: "pending",
  },
  {
    phase: "rolled back from the old target",
    node: node("n1", {
      bootId: "n1-boot-2",
      upgrade: upgrade("rolledBack", { target: oldKey, rebootFrom: "n1-boot-1" }),
    }),
    action: "cordon",
    status: "pending",
  },
  {
    phase: "skipped for the old target",
    node: node("n1", { upgrade: upgrade("skipped", { target: oldKey }) }),
    action: "cordon",
    status: "pending",
  },
  {
    // What the controller records when it re-aims (the boot the new upgrade call was made from):
    // the node has not rebooted since, so it is not judged on its versions yet.
    phase: "re-aimed after its first reboot, the new upgrade asked for",
    node: ours("n1", "rebooting", {
      versions: { os: "1.0.9" },
      bootId: "n1-boot-1",
      state: { agoSeconds: 5, bootId: "n1-boot-1" },
    }),
    status: "rebooting",
  },
  { phase: "not started", node: node("n1"), action: "cordon", status: "pending" },
  {
    phase: "already on the new target",
    node: node("n1", { versions: { os: newOs }, upgrade: upgrade("done", { target: oldKey }) }),
    status: "upToDate",
  },
];

for (const r of rows) {
  test(`retarget: ${r.phase} → ${r.action ?? "no action"} (${r.status})`, () => {
    const result = plan(cluster([r.node]), spec(), t0);
    const d = decision(result, "n1");
    assert.equal(d.status, r.status, d.reason);
    assert.deepEqual(actionList(result), r.action ? [`${r.action} n1`] : [], d.reason);
    for (const a of result.actions) {
      assert.ok(!["markFailed", "rollback", "skip"].includes(a.kind), `${a.kind}: ${d.reason}`);
      if (a.kind === "upgrade") assert.equal(describeTarget(a.target), describeTarget(newTarget));
    }
  });
}

test("retarget: nodes in flight keep their budget slots; no new node starts past the budget", () => {
  const state = cluster([
    ours("n1", "rebooting", { versions: { os: "1.0.9" }, bootId: "n1-boot-1", state: oldState() }),
    ours("n2", "draining", { state: oldState() }),
    node("n3"),
  ]);
  const result = plan(state, spec({ budget: { maxUnavailable: 2 } }), t0);
  assert.deepEqual(actionList(result).sort(), ["upgrade n1", "upgrade n2"]);
  assert.equal(decision(result, "n3").code, "budget");
  assert.equal(result.summary.unavailable, 2);
});
