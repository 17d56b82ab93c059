import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { ControllerProcess } from "./support/controller-process.ts";
import { cordoned, InvariantMonitor } from "./support/invariants.ts";
import { condition, createPlan, getPlan, waitPlan } from "./support/plans.ts";
import { type SimCluster, startSimCluster } from "./support/sim-cluster.ts";
import { createWorkload, type Workload, waitWorkloadsReady } from "./support/workloads.ts";

/**
 * Chaos: a 100-node rollout (SIMULATED nodes on kwok) with two controller processes, and the leader
 * killed at random moments spread over its first 80 nodes — SIGKILL mostly (no Lease release: the other replica waits out the lease),
 * sometimes SIGTERM (a clean hand-over) — ten times, each one restarted soon after. The safety
 * invariants are sampled throughout and the rollout must complete. The seed is printed; set
 * BASALT_CHAOS_SEED to replay the same schedule.
 */
const kills = Number(process.env.BASALT_CHAOS_KILLS ?? 10);
const seed = Number(process.env.BASALT_CHAOS_SEED ?? Date.now() % 100_000);

/** mulberry32: a small seeded PRNG, so a failing schedule can be replayed. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const workloads: Workload[] = [
  { namespace: "apps", name: "web", replicas: 20, pdb: { minAvailable: 17 } },
  { namespace: "apps", name: "queue", replicas: 8, pdb: { maxUnavailable: 2 } },
];

const spec: UpgradePlanSpec = {
  target: {
    os: { version: "1.2.0", bundleUrl: "https://updates.example.test/basalt-1.2.0.bundle" },
    kubernetes: { version: "1.34.4" },
  },
  nodeSelector: { matchLabels: { type: "kwok" } },
  budget: { maxUnavailable: "10%", perZone: 3 },
  progression: { canary: 2 },
  health: {
    readySeconds: 1,
    notReadyTimeoutSeconds: 120,
    upgradeTimeoutSeconds: 120,
    verifyTimeoutSeconds: 120,
  },
  failure: { maxFailed: 0 },
};

let cluster: SimCluster;
const controllers = new Map<string, ControllerProcess>();

before(async () => {
  cluster = await startSimCluster({
    nodes: 100,
    zones: ["zone-a", "zone-b", "zone-c", "zone-d"],
    installMs: 3000,
    rebootMs: 2000,
  });
  const logDir = join(tmpdir(), `basalt-controller-chaos-${Date.now()}`);
  process.stderr.write(`chaos: seed ${seed}, controller logs in ${logDir}\n`);
  for (const identity of ["chaos-a", "chaos-b"]) {
    const c = new ControllerProcess({ kubeconfig: cluster.controllerKubeconfig, identity, logDir });
    c.start();
    controllers.set(identity, c);
  }
});

after(async () => {
  await Promise.all([...controllers.values()].map((c) => c.kill("SIGTERM")));
  await cluster?.stop();
});

async function leader(): Promise<string | undefined> {
  try {
    const lease = await cluster.kube.request<{ spec: { holderIdentity?: string } }>({
      method: "GET",
      path: "/apis/coordination.k8s.io/v1/namespaces/basalt-system/leases/basalt-controller",
    });
    return lease.spec.holderIdentity || undefined;
  } catch {
    return undefined;
  }
}

test(`a 100-node rollout survives ${kills} leader kills`, { timeout: 900_000 }, async () => {
  const { kube } = cluster;
  for (const w of workloads) await createWorkload(kube, w);
  await waitWorkloadsReady(kube, workloads, 180_000);
  const monitor = new InvariantMonitor(kube, spec, workloads);
  monitor.start(300);
  await createPlan(kube, "chaos", spec);
  const random = prng(seed);
  const log: string[] = [];
  const started = Date.now();

  for (let k = 0; k < kills; k++) {
    // Paced by the rollout's progress, not by the clock: kill k once k tenths of the first 80 nodes
    // are done, then at a random moment. On the clock alone, a rollout that ran faster than the
    // schedule (69 s for 100 nodes once) finished before the last kill, and the run proved nothing.
    const due = Math.floor((k * 80) / kills);
    await waitPlan(
      kube,
      "chaos",
      (p) => (p.status?.counts?.done ?? 0) >= due,
      300_000,
      `${due} nodes done before kill ${k + 1}`,
    );
    await sleep(500 + random() * 2000);
    // The victim is whoever holds the Lease now and is alive.
    let victim: ControllerProcess | undefined;
    for (let i = 0; i < 60 && !victim; i++) {
      const holder = await leader();
      const c = holder ? controllers.get(holder) : undefined;
      if (c?.running) victim = c;
      else await sleep(500);
    }
    assert.ok(victim, "some replica leads");
    const plan = await getPlan(kube, "chaos");
    const signal = random() < 0.7 ? "SIGKILL" : "SIGTERM";
    log.push(
      `+${((Date.now() - started) / 1000).toFixed(1)}s ${signal} ${victim.options.identity} (done ${plan.status?.counts?.done ?? 0})`,
    );
    await victim.kill(signal);
    await sleep(500 + random() * 2500);
    victim.start();
  }
  process.stderr.write(`chaos schedule:\n  ${log.join("\n  ")}\n`);
  const before = await getPlan(kube, "chaos");
  assert.ok(
    condition(before, "Complete")?.status !== "True",
    `all ${kills} kills happened during the rollout (done ${before.status?.counts?.done} when the last one was over)`,
  );

  const done = await waitPlan(
    kube,
    "chaos",
    (p) => condition(p, "Complete")?.status === "True",
    600_000,
    "the rollout to complete",
  );
  await monitor.stop();
  process.stderr.write(
    `chaos: complete after ${((Date.now() - started) / 1000).toFixed(0)} s; max unavailable ${monitor.maxUnavailable} of 10; ${monitor.samples} samples\n`,
  );
  assert.deepEqual(monitor.violations, [], "safety invariants");
  assert.equal(done.status?.counts?.done, 100);
  assert.deepEqual((await cordoned(kube)).any, [], "nothing left cordoned");
});
