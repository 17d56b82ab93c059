import assert from "node:assert/strict";
import { test } from "node:test";
import { plan } from "./planner.ts";
import { actionList, cluster, decision, node, ours, spec, t0 } from "./test-support/fixtures.ts";

/**
 * A rollback is a reboot still to come: the node keeps its cordon and its slot of the budget until it
 * has booted again (a boot ID other than `rebootFrom`), so no other node starts in its place only for
 * it to go down a moment later. If the reboot never comes, notReadyTimeout lets it go.
 */
const rollingBack = (agoSeconds: number, bootId = "n1-boot-1") =>
  ours("n1", "rolledBack", { bootId, state: { agoSeconds, rebootFrom: "n1-boot-1", lastError: "boom" } });

const cases = [
  {
    name: "before its reboot, a rolled-back node stays cordoned and holds its slot",
    nodes: [rollingBack(5), node("n2")],
    actions: [],
    reasons: { n1: /waiting for the node to reboot/, n2: /at budget \(1\/1/ },
  },
  {
    name: "once it has rebooted, it is uncordoned",
    nodes: [rollingBack(5, "n1-boot-2"), node("n2")],
    actions: ["uncordon n1"],
  },
  {
    name: "a reboot that never comes does not hold the budget forever",
    nodes: [rollingBack(700), node("n2")],
    actions: ["uncordon n1"],
  },
  {
    name: "a node that reported no boot ID waits for one",
    nodes: [
      ours("n1", "rolledBack", { bootId: undefined, state: { agoSeconds: 5, rebootFrom: "none" } }),
      node("n2"),
    ],
    actions: [],
  },
  {
    name: "without rebootFrom (an older controller's state) the node settles at once",
    nodes: [ours("n1", "rolledBack"), node("n2")],
    actions: ["uncordon n1"],
  },
];

for (const c of cases) {
  test(`rollback: ${c.name}`, () => {
    const result = plan(cluster(c.nodes), spec({ failure: { maxFailed: 5 } }), t0);
    assert.deepEqual(actionList(result), c.actions);
    for (const [name, reason] of Object.entries(c.reasons ?? {}))
      assert.match(decision(result, name).reason, reason);
  });
}
