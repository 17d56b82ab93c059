import assert from "node:assert/strict";
import { test } from "node:test";
import { toNode, toPdb, toPod } from "./resources.ts";

test("a Node keeps only our annotations, its Ready condition and what the agent needs", () => {
  const n = toNode({
    metadata: {
      name: "n1",
      uid: "u",
      resourceVersion: "7",
      labels: { zone: "a" },
      annotations: {
        "upgrade.basalt.dev/phase": "draining",
        "kubeadm.alpha.kubernetes.io/cri-socket": "x".repeat(1000),
      },
    },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" }],
      nodeInfo: { bootID: "b", kubeletVersion: "v1.34.4", osImage: "Basalt 1.2.0" },
      addresses: [{ type: "InternalIP", address: "10.0.0.1" }],
    },
  });
  assert.deepEqual(n.annotations, { "upgrade.basalt.dev/phase": "draining" });
  assert.equal(n.ready, true);
  assert.equal(n.readyChanged, Date.parse("2026-01-01T00:00:00Z"));
  assert.equal(n.unschedulable, true);
  assert.equal(n.bootId, "b");
  assert.equal(n.kubeletVersion, "v1.34.4");
});

test("pods: unscheduled and finished pods are dropped; DaemonSet, mirror and terminating pods are marked", () => {
  assert.equal(toPod({ metadata: { name: "p", namespace: "d", resourceVersion: "1" }, spec: {} }), undefined);
  assert.equal(
    toPod({
      metadata: { name: "p", namespace: "d", resourceVersion: "1" },
      spec: { nodeName: "n" },
      status: { phase: "Succeeded" },
    }),
    undefined,
  );
  const p = toPod({
    metadata: {
      name: "p",
      namespace: "d",
      resourceVersion: "1",
      deletionTimestamp: "2026-01-01T00:00:00Z",
      annotations: { "kubernetes.io/config.mirror": "x" },
      ownerReferences: [{ kind: "DaemonSet", controller: true }],
    },
    spec: { nodeName: "n" },
    status: { phase: "Running" },
  });
  assert.deepEqual([p?.daemonSet, p?.mirror, p?.terminating, p?.key], [true, true, true, "d/p"]);
});

test("a PDB the disruption controller has not observed yet is marked so", () => {
  const stale = toPdb({
    metadata: { name: "b", namespace: "d", resourceVersion: "1", generation: 2 },
    spec: {},
    status: { disruptionsAllowed: 3, observedGeneration: 1 },
  });
  assert.equal(stale.observed, false);
  const fresh = toPdb({
    metadata: { name: "b", namespace: "d", resourceVersion: "1", generation: 2 },
    spec: { selector: {} },
    status: { disruptionsAllowed: 3, observedGeneration: 2 },
  });
  assert.equal(fresh.observed, true);
  assert.deepEqual(fresh.selector, {});
});
