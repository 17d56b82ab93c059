import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { annotationKeys, simKeys } from "@basalt/rollout";
import { freePort, waitFor } from "@basalt/testkit";
import { ControllerProcess } from "./support/controller-process.ts";
import { cordoned, InvariantMonitor } from "./support/invariants.ts";
import { condition, createPlan, waitPlan } from "./support/plans.ts";
import { type SimCluster, startSimCluster } from "./support/sim-cluster.ts";
import { createWorkload, type Workload, waitWorkloadsReady } from "./support/workloads.ts";

/**
 * A whole rollout against a real control plane: 20 kwok nodes (SIMULATED Basalt nodes) in 3 zones,
 * three Deployments behind PodDisruptionBudgets, one node cordoned by an operator, and two
 * controller processes (least-privilege RBAC from deploy/, leader election). The safety invariants
 * are sampled from the apiserver every 250 ms throughout.
 */
const workloads: Workload[] = [
  { namespace: "shop", name: "web", replicas: 6, pdb: { minAvailable: 5 } },
  { namespace: "shop", name: "api", replicas: 4, pdb: { maxUnavailable: 1 } },
  { namespace: "shop", name: "db", replicas: 3, pdb: { minAvailable: 2 } },
];

const spec: UpgradePlanSpec = {
  target: {
    os: { version: "1.1.0", bundleUrl: "https://updates.example.test/basalt-1.1.0.bundle" },
    kubernetes: { version: "1.34.4" },
  },
  nodeSelector: { matchLabels: { type: "kwok" } },
  budget: { maxUnavailable: 3, perZone: 1 },
  progression: { canary: 1, batchSize: 6, soakSeconds: 1 },
  drain: { timeoutSeconds: 120 },
  health: {
    readySeconds: 2,
    notReadyTimeoutSeconds: 90,
    upgradeTimeoutSeconds: 90,
    verifyTimeoutSeconds: 90,
  },
  failure: { maxFailed: 0 },
};

let cluster: SimCluster;
const controllers: ControllerProcess[] = [];
const metricsPorts = new Map<string, number>();

before(async () => {
  cluster = await startSimCluster({
    nodes: 20,
    zones: ["zone-a", "zone-b", "zone-c"],
    installMs: 2000,
    rebootMs: 2000,
  });
  const logDir = join(tmpdir(), `basalt-controller-rollout-${Date.now()}`);
  for (const identity of ["controller-a", "controller-b"]) {
    metricsPorts.set(identity, await freePort());
    const c = new ControllerProcess({
      kubeconfig: cluster.controllerKubeconfig,
      identity,
      logDir,
      metricsPort: metricsPorts.get(identity),
    });
    c.start();
    controllers.push(c);
  }
});

after(async () => {
  await Promise.all(controllers.map((c) => c.kill("SIGTERM")));
  await cluster?.stop();
});

test("rolls 20 nodes in 3 zones within budget, never breaking a PDB or another's cordon", {
  timeout: 600_000,
}, async () => {
  const { kube, nodes } = cluster;
  for (const w of workloads) await createWorkload(kube, w);
  await waitWorkloadsReady(kube, workloads, 120_000);
  const operatorNode = nodes.at(-1)!;
  await kube.request({
    method: "PATCH",
    path: `/api/v1/nodes/${operatorNode}`,
    body: { spec: { unschedulable: true } },
  });

  const monitor = new InvariantMonitor(kube, spec, workloads);
  monitor.start();
  await createPlan(kube, "os-1-1-0", spec);

  // Half-way, the operator lifts their own cordon; until then we must not have touched that node.
  await waitPlan(kube, "os-1-1-0", (p) => (p.status?.counts?.done ?? 0) >= 8, 300_000, "8 nodes done");
  const untouched = await kube.request<{
    metadata: { annotations?: Record<string, string> };
    spec: { unschedulable?: boolean };
  }>({
    method: "GET",
    path: `/api/v1/nodes/${operatorNode}`,
  });
  assert.equal(untouched.spec.unschedulable, true, "the operator's cordon must still be there");
  assert.equal(
    untouched.metadata.annotations?.[annotationKeys.phase],
    undefined,
    "an operator-cordoned node is never started",
  );
  await kube.request({
    method: "PATCH",
    path: `/api/v1/nodes/${operatorNode}`,
    body: { spec: { unschedulable: false } },
  });

  const done = await waitPlan(
    kube,
    "os-1-1-0",
    (p) => condition(p, "Complete")?.status === "True",
    420_000,
    "the plan Complete",
  );
  await monitor.stop();

  assert.deepEqual(monitor.violations, [], "safety invariants");
  assert.ok(monitor.samples > 50, `sampled ${monitor.samples} times`);
  assert.ok(
    monitor.maxUnavailable >= 2,
    `the rollout used its budget (max ${monitor.maxUnavailable} unavailable)`,
  );
  assert.deepEqual((await cordoned(kube)).any, [], "nothing left cordoned");
  assert.equal(done.status?.phase, "Complete");
  assert.equal(done.status?.counts?.done, 20);

  const list = await kube.request<{
    items: {
      metadata: { name: string; annotations?: Record<string, string> };
      status: { nodeInfo: { kubeletVersion: string } };
    }[];
  }>({ method: "GET", path: "/api/v1/nodes" });
  for (const n of list.items) {
    assert.equal(n.metadata.annotations?.[simKeys.osVersion], "1.1.0", `${n.metadata.name} os`);
    assert.equal(n.status.nodeInfo.kubeletVersion, "1.34.4", `${n.metadata.name} kubelet`);
    assert.equal(n.metadata.annotations?.[annotationKeys.phase], "done", `${n.metadata.name} phase`);
  }

  const events = await kube.request<{ items: { reason: string; involvedObject: { kind: string } }[] }>({
    method: "GET",
    path: "/api/v1/namespaces/default/events",
  });
  const reasons = new Set(events.items.map((e) => e.reason));
  for (const r of ["UpgradeStarted", "Upgraded", "PlanComplete"])
    assert.ok(reasons.has(r), `Event ${r} recorded`);

  // The leader (the Lease's holder) reports the rollout on /metrics.
  const lease = await kube.request<{ spec: { holderIdentity: string } }>({
    method: "GET",
    path: "/apis/coordination.k8s.io/v1/namespaces/basalt-system/leases/basalt-controller",
  });
  const port = metricsPorts.get(lease.spec.holderIdentity);
  assert.ok(port, `leader ${lease.spec.holderIdentity} is one of ours`);
  const text = await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
    10_000,
    "/metrics",
  );
  assert.match(text, /basalt_controller_leader 1/);
  assert.match(text, /basalt_upgrade_nodes\{plan="os-1-1-0",status="done"\} 20/);
  assert.match(text, /basalt_upgrade_phase_duration_seconds_bucket\{le="[^"]+",phase="draining"\}/);
  assert.match(text, /basalt_upgrade_evictions_total\{result="evicted"\} [1-9]/);
});
