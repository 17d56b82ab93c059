import assert from "node:assert/strict";
import { test } from "node:test";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { annotationKeys, simKeys } from "@basalt/rollout";
import { waitFor } from "@basalt/testkit";
import { useControllerOnSimCluster } from "./support/controller-fixture.ts";
import { cordoned, InvariantMonitor } from "./support/invariants.ts";
import { createPlan, waitPlan } from "./support/plans.ts";
import { oldOs } from "./support/sim-cluster.ts";

/**
 * Rollback after a successful boot, against a real control plane with SIMULATED nodes: node-1 boots
 * the new image (new boot ID, new version, Ready) but stays unhealthy, so it fails its health gate
 * and is rolled back — and really comes back on the old version, with the new one kept as the other
 * slot's, uncordoned. node-0 upgrades normally. The budget and PDB invariants hold throughout.
 */
const newOs = "2.0.0";
const spec: UpgradePlanSpec = {
  target: { os: { version: newOs, bundleUrl: "https://updates.example.test/basalt-2.0.0.bundle" } },
  nodeSelector: { matchLabels: { type: "kwok" } },
  budget: { maxUnavailable: 1 },
  // No canary (a failed canary pauses the plan); nodes go in name order, one at a time.
  progression: { canary: 0 },
  health: { readySeconds: 1, notReadyTimeoutSeconds: 20, upgradeTimeoutSeconds: 30, verifyTimeoutSeconds: 4 },
  failure: { maxFailed: 1 },
};

interface RawNode {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { unschedulable?: boolean };
  status?: { nodeInfo?: { bootID?: string } };
}

const simCluster = useControllerOnSimCluster({
  name: "rollback",
  cluster: { nodes: 2, installMs: 500, rebootMs: 800 },
  failures: { "node-1": "unhealthy" },
});

const node = (name: string) =>
  simCluster().kube.request<RawNode>({ method: "GET", path: `/api/v1/nodes/${name}` });

test("a node that booted the new version and failed its health gate is rolled back to the old one", {
  timeout: 180_000,
}, async () => {
  const { kube } = simCluster();
  const monitor = new InvariantMonitor(kube, spec);
  monitor.start();
  try {
    await createPlan(kube, "os-2", spec);

    // It really booted the new version first (the failure is the health gate, not the boot).
    const booted = await waitFor(
      async () => {
        const n = await node("node-1");
        return n.metadata.annotations?.[simKeys.osVersion] === newOs ? n : false;
      },
      60_000,
      "node-1 to boot the new version",
    );
    const newBoot = booted.status?.nodeInfo?.bootID;

    const done = await waitPlan(
      kube,
      "os-2",
      (p) => (p.status?.counts?.rolledBack ?? 0) === 1 && (p.status?.counts?.done ?? 0) === 1,
      120_000,
      "node-1 rolled back and node-0 done",
    );
    assert.equal(done.status?.counts?.failed ?? 0, 0);
    const n1 = await waitFor(
      async () => {
        const n = await node("node-1");
        return n.spec.unschedulable ? false : n;
      },
      30_000,
      "node-1 uncordoned",
    );
    const a = n1.metadata.annotations ?? {};
    assert.equal(a[annotationKeys.phase], "rolledBack");
    assert.equal(a[simKeys.osVersion], oldOs, "back on the old version");
    assert.equal(a[simKeys.previousOs], newOs, "the new version is the other slot's");
    assert.notEqual(n1.status?.nodeInfo?.bootID, newBoot, "rolling back was a reboot");
    assert.match(a[annotationKeys.lastError] ?? "", /not healthy within 4s/);
    const n0 = await node("node-0");
    assert.equal(n0.metadata.annotations?.[simKeys.osVersion], newOs, "node-0 upgraded");
  } finally {
    // Also when an assertion failed: a running monitor would keep the test process alive.
    await monitor.stop();
  }
  assert.deepEqual(monitor.violations, []);
  assert.deepEqual((await cordoned(kube)).ours, []);
});
