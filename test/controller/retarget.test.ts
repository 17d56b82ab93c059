import assert from "node:assert/strict";
import { test } from "node:test";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { annotationKeys, simKeys, upgradePlanPath } from "@basalt/rollout";
import { waitFor } from "@basalt/testkit";
import { useControllerOnSimCluster } from "./support/controller-fixture.ts";
import { cordoned, InvariantMonitor } from "./support/invariants.ts";
import { createPlan, waitPlan } from "./support/plans.ts";

/**
 * Editing a plan's target mid-rollout, against a real control plane with SIMULATED nodes: once
 * nodes are rebooting or verifying on 3.0.0, the target becomes 3.1.0. Every node must end on 3.1.0,
 * none failed or rolled back for the edit, and the budget and PDB invariants hold throughout.
 */
const bundle = (v: string) => `https://updates.example.test/basalt-${v}.bundle`;
const spec: UpgradePlanSpec = {
  target: { os: { version: "3.0.0", bundleUrl: bundle("3.0.0") } },
  nodeSelector: { matchLabels: { type: "kwok" } },
  budget: { maxUnavailable: 2 },
  progression: { canary: 0 },
  health: {
    readySeconds: 2,
    notReadyTimeoutSeconds: 30,
    upgradeTimeoutSeconds: 60,
    verifyTimeoutSeconds: 60,
  },
  failure: { maxFailed: 0 },
};

interface RawNode {
  metadata: { name: string; annotations?: Record<string, string> };
}

const simCluster = useControllerOnSimCluster({
  name: "retarget",
  cluster: {
    nodes: 6,
    zones: ["zone-a", "zone-b", "zone-c"],
    installMs: 1000,
    rebootMs: 1500,
  },
});

const nodes = async () =>
  (await simCluster().kube.request<{ items: RawNode[] }>({ method: "GET", path: "/api/v1/nodes" })).items;

test("retargeting mid-rollout re-aims the nodes in flight; none fails; the budget holds", {
  timeout: 240_000,
}, async () => {
  const { kube } = simCluster();
  const monitor = new InvariantMonitor(kube, spec);
  monitor.start();
  try {
    await createPlan(kube, "os-3", spec);
    // Nodes past their first reboot on the old target: the case that used to fail.
    const inFlight = await waitFor(
      async () => {
        const past = (await nodes()).filter((n) => {
          const a = n.metadata.annotations ?? {};
          return (
            ["rebooting", "verifying"].includes(a[annotationKeys.phase] ?? "") &&
            a[simKeys.osVersion] === "3.0.0"
          );
        });
        return past.length > 0 ? past.map((n) => n.metadata.name) : false;
      },
      90_000,
      "a node rebooted onto 3.0.0 and not yet done",
    );
    await kube.request({
      method: "PATCH",
      path: `${upgradePlanPath}/os-3`,
      body: { spec: { target: { os: { version: "3.1.0", bundleUrl: bundle("3.1.0") } } } },
    });
    const done = await waitPlan(
      kube,
      "os-3",
      (p) => p.status?.target === "os=3.1.0" && (p.status?.counts?.done ?? 0) === 6,
      180_000,
      "every node done on 3.1.0",
    );
    assert.equal(done.status?.counts?.failed ?? 0, 0);
    assert.equal(done.status?.counts?.rolledBack ?? 0, 0);
    for (const n of await nodes())
      assert.equal(
        n.metadata.annotations?.[simKeys.osVersion],
        "3.1.0",
        `${n.metadata.name} (in flight: ${inFlight})`,
      );
  } finally {
    // Also when an assertion failed: a running monitor would keep the test process alive.
    await monitor.stop();
  }
  assert.deepEqual(monitor.violations, []);
  assert.deepEqual((await cordoned(kube)).ours, []);
});
