import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { isNodeReady, isNodeSchedulable, kwokNode, kwokNodeAnnotation, kwokStagesPath } from "./kwok.ts";

test("kwok Nodes carry kwok's annotation, kubelet-like labels and a round-robin zone", () => {
  const nodes = [0, 1, 2, 3].map((i) =>
    kwokNode(i, { namePrefix: "n-", zones: ["a", "b", "c"], labels: { pool: "x" } }),
  );
  assert.deepEqual(
    nodes.map((n) => n.metadata?.name),
    ["n-0", "n-1", "n-2", "n-3"],
  );
  assert.deepEqual(
    nodes.map((n) => n.metadata?.labels?.["topology.kubernetes.io/zone"]),
    ["a", "b", "c", "a"],
  );
  const [n0] = nodes;
  assert.equal(n0!.metadata?.annotations?.[kwokNodeAnnotation.key], "fake");
  assert.equal(n0!.metadata?.labels?.["kubernetes.io/hostname"], "n-0");
  assert.equal(n0!.metadata?.labels?.pool, "x");
  assert.equal(kwokNode(0).metadata?.labels?.["topology.kubernetes.io/zone"], undefined);
});

test("schedulable means Ready, not cordoned and without NoSchedule/NoExecute taints", () => {
  const ready = { status: { conditions: [{ type: "Ready", status: "True" }] } };
  assert.equal(isNodeReady(ready), true);
  assert.equal(isNodeSchedulable(ready), true);
  assert.equal(isNodeSchedulable({ ...ready, spec: { unschedulable: true } }), false);
  const tainted = {
    ...ready,
    spec: { taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }] },
  };
  assert.equal(isNodeSchedulable(tainted), false);
  assert.equal(
    isNodeSchedulable({ ...ready, spec: { taints: [{ key: "x", effect: "PreferNoSchedule" }] } }),
    true,
  );
  assert.equal(isNodeReady({ status: { conditions: [{ type: "Ready", status: "False" }] } }), false);
});

test("the vendored stages are the five kwok needs", () => {
  const names = [
    ...readFileSync(kwokStagesPath, "utf8").matchAll(/^kind: Stage\nmetadata:\n {2}name: (\S+)/gm),
  ].map((m) => m[1]);
  assert.deepEqual(names, [
    "node-initialize",
    "node-heartbeat-with-lease",
    "pod-ready",
    "pod-complete",
    "pod-delete",
  ]);
});
