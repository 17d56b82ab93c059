import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { hasStatus } from "@basalt/kube";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { annotationKeys, planFinalizer, upgradePlanPath } from "@basalt/rollout";
import { waitFor } from "@basalt/testkit";
import { useControllerOnSimCluster } from "./support/controller-fixture.ts";
import { cordoned, InvariantMonitor } from "./support/invariants.ts";
import { createPlan, getPlan } from "./support/plans.ts";

/**
 * Deleting a plan mid-rollout, against a real control plane with SIMULATED nodes: the controller's
 * finalizer holds the plan until every node is handed back — uncordoned, its upgrade annotations
 * cleared, an upgrade already running allowed to finish — and no node starts after the delete.
 */
const spec: UpgradePlanSpec = {
  target: { os: { version: "4.0.0", bundleUrl: "https://updates.example.test/basalt-4.0.0.bundle" } },
  nodeSelector: { matchLabels: { type: "kwok" } },
  budget: { maxUnavailable: 2 },
  progression: { canary: 0 },
  health: {
    readySeconds: 1,
    notReadyTimeoutSeconds: 30,
    upgradeTimeoutSeconds: 60,
    verifyTimeoutSeconds: 60,
  },
  failure: { maxFailed: 0 },
};

interface RawNode {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { unschedulable?: boolean };
}

const simCluster = useControllerOnSimCluster({
  name: "delete",
  cluster: {
    nodes: 6,
    zones: ["zone-a", "zone-b", "zone-c"],
    installMs: 2000,
    rebootMs: 2000,
  },
});

const nodes = async () =>
  (await simCluster().kube.request<{ items: RawNode[] }>({ method: "GET", path: "/api/v1/nodes" })).items;
const started = (all: RawNode[]) =>
  all.filter((n) => n.metadata.annotations?.[annotationKeys.phase] !== undefined).map((n) => n.metadata.name);

test("a deleted plan hands every node back before it goes; nothing starts after the delete", {
  timeout: 180_000,
}, async () => {
  const { kube } = simCluster();
  const monitor = new InvariantMonitor(kube, spec);
  monitor.start();
  try {
    await createPlan(kube, "os-4", spec);
    await waitFor(
      async () => (await getPlan(kube, "os-4")).metadata.finalizers?.includes(planFinalizer) ?? false,
      30_000,
      "the controller's finalizer on the plan",
    );
    // An upgrade under way (the simulated install takes 2 s): the plan must wait for it.
    await waitFor(
      async () =>
        (await nodes()).some((n) =>
          ["upgrading", "rebooting"].includes(n.metadata.annotations?.[annotationKeys.phase] ?? ""),
        ),
      60_000,
      "a node upgrading",
    );
    await kube.request({ method: "DELETE", path: `${upgradePlanPath}/os-4` });
    // A write the controller sent before its watch showed the delete may still land in the next
    // moments; anything that starts later was started for a deleted plan.
    await sleep(300);
    const atDelete = new Set(started(await nodes()));
    // Held by the finalizer while nodes are handed back.
    const held = await getPlan(kube, "os-4").catch(() => undefined);
    assert.ok(
      held === undefined || held.metadata.deletionTimestamp,
      "deleting, not yet gone (or already done)",
    );

    const late = new Set<string>();
    await waitFor(
      async () => {
        for (const name of started(await nodes())) if (!atDelete.has(name)) late.add(name);
        try {
          await getPlan(kube, "os-4");
          return false;
        } catch (err) {
          if (hasStatus(err, 404)) return true;
          throw err;
        }
      },
      90_000,
      "the plan gone once its nodes are handed back",
    );
    assert.deepEqual([...late], [], "no node starts after the delete");
    await sleep(500);
    for (const n of await nodes()) {
      assert.equal(
        n.metadata.annotations?.[annotationKeys.phase],
        undefined,
        `${n.metadata.name} state cleared`,
      );
      assert.ok(!n.spec.unschedulable, `${n.metadata.name} uncordoned`);
    }
  } finally {
    // Also when an assertion failed: a running monitor would keep the test process alive.
    await monitor.stop();
  }
  assert.deepEqual(monitor.violations, []);
  assert.deepEqual((await cordoned(kube)).ours, []);
});
