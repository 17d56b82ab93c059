import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { annotationKeys, simKeys, upgradePlanPath } from "@basalt/rollout";
import { useControllerOnSimCluster } from "./support/controller-fixture.ts";
import { cordoned, InvariantMonitor } from "./support/invariants.ts";
import { condition, createPlan, waitPlan } from "./support/plans.ts";
import { oldOs } from "./support/sim-cluster.ts";

/**
 * Upgrades that go wrong, against a real control plane with SIMULATED nodes: one node's new image
 * does not boot (it comes back on the old one), one node's agent refuses the upgrade, one never comes
 * back Ready. Past the failure budget the plan pauses itself and says why; every failed node is
 * rolled back and uncordoned; no new node starts while paused; raising the budget resumes it.
 */
const spec: UpgradePlanSpec = {
  target: { os: { version: "2.0.0", bundleUrl: "https://updates.example.test/basalt-2.0.0.bundle" } },
  nodeSelector: { matchLabels: { type: "kwok" } },
  budget: { maxUnavailable: 3 },
  progression: { canary: 1 },
  health: {
    readySeconds: 1,
    notReadyTimeoutSeconds: 10,
    upgradeTimeoutSeconds: 30,
    verifyTimeoutSeconds: 30,
  },
  failure: { maxFailed: 1 },
};

interface RawNode {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { unschedulable?: boolean };
}

const simCluster = useControllerOnSimCluster({
  name: "failure",
  cluster: {
    nodes: 9,
    zones: ["zone-a", "zone-b", "zone-c"],
    installMs: 1500,
    rebootMs: 1500,
  },
  failures: { "node-1": "boot-old", "node-2": "refuse", "node-3": "never" },
});

async function nodes(): Promise<RawNode[]> {
  return (await simCluster().kube.request<{ items: RawNode[] }>({ method: "GET", path: "/api/v1/nodes" }))
    .items;
}

const phase = (n: RawNode) => n.metadata.annotations?.[annotationKeys.phase];

test("failures past the budget pause the plan; failed nodes are rolled back", {
  timeout: 300_000,
}, async () => {
  const { kube } = simCluster();
  const monitor = new InvariantMonitor(kube, spec);
  monitor.start();
  await createPlan(kube, "os-2", spec);

  const paused = await waitPlan(
    kube,
    "os-2",
    (p) => condition(p, "Paused")?.status === "True",
    120_000,
    "the plan to pause",
  );
  const why = condition(paused, "Paused")!;
  assert.equal(why.reason, "FailureBudget");
  assert.match(why.message, /plan paused: \d of 9 failed \(budget 1\)/);
  assert.equal(paused.status?.phase, "Paused");

  // Every failed node ends rolled back to its old image, uncordoned (failure.leaveCordoned is false).
  let all: RawNode[] = [];
  const failedOnes = ["node-1", "node-2", "node-3"];
  for (let i = 0; i < 120; i++) {
    all = await nodes();
    const started = all.filter((n) => failedOnes.includes(n.metadata.name) && phase(n) !== undefined);
    if (started.length >= 2 && started.every((n) => phase(n) === "rolledBack" && !n.spec.unschedulable))
      break;
    await sleep(500);
  }
  const failed = all.filter((n) => failedOnes.includes(n.metadata.name) && phase(n) !== undefined);
  assert.ok(
    failed.length >= 2,
    `at least two failing nodes were started (${failed.map((n) => n.metadata.name)})`,
  );
  for (const n of failed) {
    assert.equal(phase(n), "rolledBack", `${n.metadata.name} rolled back`);
    assert.equal(n.metadata.annotations?.[simKeys.osVersion], oldOs, `${n.metadata.name} back on ${oldOs}`);
    assert.ok(n.metadata.annotations?.[annotationKeys.lastError], `${n.metadata.name} says why it failed`);
    assert.ok(!n.spec.unschedulable, `${n.metadata.name} uncordoned`);
  }

  // Paused: nothing new starts.
  const startedAtPause = new Set(all.filter((n) => phase(n) !== undefined).map((n) => n.metadata.name));
  await sleep(6000);
  const later = (await nodes()).filter((n) => phase(n) !== undefined).map((n) => n.metadata.name);
  assert.deepEqual(
    later.filter((n) => !startedAtPause.has(n)),
    [],
    "no node starts while the plan is paused",
  );

  // Raising the failure budget resumes the rollout.
  await kube.request({
    method: "PATCH",
    path: `${upgradePlanPath}/os-2`,
    body: { spec: { failure: { maxFailed: 5 } } },
  });
  const resumed = await waitPlan(
    kube,
    "os-2",
    (p) => condition(p, "Paused")?.status === "False" && (p.status?.counts?.done ?? 0) >= 6,
    180_000,
    "the plan to resume and upgrade the healthy nodes",
  );
  assert.equal(resumed.status?.counts?.rolledBack, 3, "all three failing nodes rolled back");
  await monitor.stop();
  assert.deepEqual(monitor.violations, []);
  assert.deepEqual((await cordoned(kube)).ours, []);

  const events = await kube.request<{ items: { reason: string }[] }>({
    method: "GET",
    path: "/api/v1/namespaces/default/events",
  });
  const reasons = new Set(events.items.map((e) => e.reason));
  for (const r of ["UpgradeFailed", "RolledBack", "PlanPaused", "PlanResumed"])
    assert.ok(reasons.has(r), `Event ${r}`);
});
