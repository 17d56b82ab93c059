import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { annotationKeys, upgradePlanPath } from "@basalt/rollout";
import { k8sBinDir } from "@basalt/testkit";
import { cordoned, InvariantMonitor } from "../../controller/support/invariants.ts";
import { condition, createPlan, getPlan, type PlanObject } from "../../controller/support/plans.ts";
import type { Workload } from "../../controller/support/workloads.ts";
import { busyboxArchive } from "./support/busybox-image.ts";
import { type DeployedController, deployController } from "./support/controller-deploy.ts";
import { kubectlRunner, nodeReady, run, until } from "./support/kubectl.ts";
import { labRolloutCluster, type RolloutCluster } from "./support/rollout-cluster.ts";
import { kubernetesUpgradeBundles } from "./support/upgrade-images.ts";

/**
 * basalt-controller moves real nodes: deploy/ applied to a cluster of Basalt worker VMs (TCG), the
 * controller running with the deploy/ RBAC identity, a Deployment guarded by a PDB, and two
 * UpgradePlans — a signed new OS version rolled across both workers (cordon → drain through the
 * Eviction API → upgrade through the node API → reboot into the other slot → Ready and blessed →
 * uncordon), and a version whose health is forced to fail (the node falls back by itself, the
 * controller records it and pauses at the failure budget, the node stays usable). Budget and PDB
 * floor are sampled from the apiserver throughout; `basaltctl rollout status` is captured throughout.
 * The VMs are shared by the cases, in order.
 */
const v1 = "0.1.0";
const good = "0.2.0";
const bad = "0.9.0";
const basaltctl = join(import.meta.dirname, "../../../dist/basaltctl.mjs");
const healthDeadlineSeconds = 90;

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes and basaltctl JSON, checked field by field
type Json = any;

const workload: Workload = { namespace: "default", name: "web", replicas: 3, pdb: { minAvailable: 2 } };

const planSpec = (
  version: string,
  bundleUrl: string,
  extra: Partial<UpgradePlanSpec> = {},
): UpgradePlanSpec => ({
  target: { os: { version, bundleUrl } },
  budget: { maxUnavailable: 1 },
  progression: { canary: 1 },
  drain: { timeoutSeconds: 600 },
  health: {
    readySeconds: 10,
    notReadyTimeoutSeconds: 900,
    upgradeTimeoutSeconds: 900,
    verifyTimeoutSeconds: 900,
  },
  failure: { maxFailed: 0 },
  ...extra,
});

/** One row of `basaltctl rollout status -o json`, as sampled. */
interface StatusRow {
  at: number;
  node: string;
  status: string;
  code: string;
  reason: string;
  /** When the node entered `status` (ms since the epoch), as the controller recorded it. */
  since?: number;
}

/** Samples `basaltctl rollout status PLAN -o json` every few seconds into `rows`, until stopped. */
function statusSampler(kubeconfig: string, plan: string) {
  const rows: StatusRow[] = [];
  const errors: string[] = [];
  let tables: string[] = [];
  let stopped = false;
  const once = async () => {
    try {
      const out = await run(
        [process.execPath, basaltctl, "rollout", "status", plan, "-o", "json", "--kubeconfig", kubeconfig],
        60_000,
      );
      const doc = JSON.parse(out.slice(out.indexOf("{")));
      const at = Date.now();
      for (const n of doc.nodes ?? [])
        rows.push({
          at,
          node: n.node,
          status: n.status,
          code: n.code,
          reason: n.reason,
          ...(n.since ? { since: Date.parse(n.since) } : {}),
        });
    } catch (err) {
      errors.push((err as Error).message.split("\n")[0] ?? "");
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await once();
      await new Promise((r) => setTimeout(r, 3000));
    }
  })();
  return {
    rows,
    errors,
    /** One more sample now (the loop may have slept through the last change). */
    once,
    get tables() {
      return tables;
    },
    /** The table form too, for the log. */
    async table(): Promise<string> {
      const t = await run(
        [process.execPath, basaltctl, "rollout", "status", plan, "--kubeconfig", kubeconfig],
        60_000,
      );
      tables = [...tables, t];
      return t;
    },
    /** Statuses seen for `node`, in order, without repeats. */
    statuses(node: string): string[] {
      return rows
        .filter((r) => r.node === node)
        .map((r) => r.status)
        .filter((s, i, a) => i === 0 || a[i - 1] !== s);
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

describe("basalt-controller rolls an OS upgrade across real Basalt nodes", { timeout: 5_400_000 }, () => {
  let cluster: RolloutCluster;
  let controller: DeployedController;
  let bundles: { good: string; bad: string; publicKey: string };
  let bundleBase: string;
  let passed = 0;
  const cases = 5;
  const figures: Record<string, number | string> = {};

  const nodeObject = (name: string): Promise<Json> => cluster.kubectl.json(["get", "node", name]);
  const upgradeStatus = async (name: string): Promise<Json> => {
    const w = cluster.workers.find((x) => x.name === name)!;
    return JSON.parse((await w.ctl(["upgrade", "status", "-o", "json"])).trim().split("\n")[0]!).value;
  };
  const podsOn = async (node: string): Promise<Json[]> =>
    (
      await cluster.kubectl.json([
        "get",
        "pods",
        "-l",
        "app=web",
        "--field-selector",
        `spec.nodeName=${node}`,
      ])
    ).items.filter((p: Json) => !p.metadata.deletionTimestamp);
  const waitPlan = (name: string, what: string, timeoutMs: number, ok: (p: PlanObject) => boolean) =>
    until(
      what,
      timeoutMs,
      async () => {
        const p = await getPlan(cluster.kube, name);
        return ok(p) ? p : undefined;
      },
      3000,
    );

  before(async () => {
    const log = (l: string) => console.log(`  ${l}`);
    bundles = await kubernetesUpgradeBundles((l) => log(`imager ${l}`), { good, bad });
    cluster = await labRolloutCluster({
      workers: ["w1", "w2"],
      trustedKeys: [bundles.publicKey],
      healthDeadlineSeconds,
      log: (l) => log(`lab ${l}`),
    });
    // The release server: inside the cluster network, where the nodes fetch bundles from.
    const port = 8089;
    const server = cluster.runInside("bundle-server", process.execPath, [
      join(import.meta.dirname, "support/file-server-main.ts"),
      cluster.serviceAddress,
      String(port),
      bundles.good,
      bundles.bad,
    ]);
    bundleBase = `http://${cluster.serviceAddress}:${port}`;
    await until(
      "the bundle server",
      30_000,
      async () => (/listening/.test(server.tail()) ? true : undefined),
      500,
    );
    for (const w of cluster.workers)
      await until(`Node ${w.name} Ready`, 900_000, async () =>
        nodeReady(await nodeObject(w.name)) === "True" ? true : undefined,
      );
  });

  after(async () => {
    console.log(`  figures: ${JSON.stringify(figures)}`);
    if (passed < cases) {
      cluster?.markFailed(); // keeps console and control plane logs (the controller's among them)
      if (controller) console.log(`  controller log: ${controller.component.logPath}`);
    }
    await cluster?.stop();
  });

  test("deploy/ applied; the controller runs with the ServiceAccount's token and deploy/ RBAC only", async () => {
    controller = await deployController(cluster);
    const asController = kubectlRunner(await k8sBinDir(), controller.hostKubeconfig).run;
    const who = JSON.parse(await asController(["auth", "whoami", "-o", "json"]));
    assert.equal(who.status.userInfo.username, "system:serviceaccount:basalt-system:basalt-controller");
    assert.equal(
      (
        await asController(["auth", "can-i", "create", "pods", "--subresource=eviction", "-n", "default"])
      ).trim(),
      "yes",
    );
    assert.equal((await asController(["auth", "can-i", "patch", "nodes"])).trim(), "yes");
    for (const denied of [
      ["delete", "nodes"],
      ["get", "secrets", "-n", "basalt-system"],
      ["create", "pods"],
    ]) {
      const out = await asController(["auth", "can-i", ...denied]).catch((e) => e.stdout as string);
      assert.equal(out.trim(), "no", `can-i ${denied.join(" ")}`);
    }
    const lease = await until("the controller to take the Lease", 120_000, async () => {
      const l = await cluster.kubectl.json(["-n", "basalt-system", "get", "lease", "basalt-controller"]);
      return l.spec?.holderIdentity ? l : undefined;
    });
    assert.equal(lease.spec.holderIdentity, "e2e-controller");
    assert.ok(controller.component.running, controller.component.tail());
    passed++;
  });

  test("a Deployment of the test image, imported through the node API, runs on both workers under a PDB", async () => {
    const archive = join(cluster.workDir, "busybox.tar");
    writeFileSync(archive, busyboxArchive());
    await cluster.ctl(["image", "import", archive, "-n", cluster.workers.map((w) => w.name).join(",")]);
    await cluster.kubectl.run(["apply", "-f", "-"], 60_000, workloadYaml);
    await until("3 web pods Ready on both workers, the PDB allowing one disruption", 600_000, async () => {
      const pods: Json[] = (await cluster.kubectl.json(["get", "pods", "-l", "app=web"])).items;
      const ready = pods.filter((p) =>
        p.status.conditions?.some((c: Json) => c.type === "Ready" && c.status === "True"),
      );
      const pdb = await cluster.kubectl.json(["get", "pdb", "web"]);
      const nodes = new Set(ready.map((p) => p.spec.nodeName));
      return ready.length === 3 && nodes.size === 2 && pdb.status?.disruptionsAllowed === 1
        ? true
        : undefined;
    });
    passed++;
  });

  test(`an UpgradePlan to ${good}: each worker cordoned, drained, upgraded, rebooted into the other slot, blessed, uncordoned; budget and PDB never broken`, async () => {
    assert.ok(controller?.component.running, "the controller runs");
    const name = `os-${good}`;
    const spec = planSpec(good, `${bundleBase}/basalt-${good}.bundle`);
    const monitor = new InvariantMonitor(cluster.kube, spec, [workload]);
    const sampler = statusSampler(cluster.adminKubeconfig, name);
    monitor.start(1000);
    const t0 = Date.now();
    try {
      await createPlan(cluster.kube, name, spec);
      let printed = 0;
      const done = await until(
        `plan ${name} Complete`,
        2_400_000,
        async () => {
          const p = await getPlan(cluster.kube, name);
          if (Date.now() - printed > 60_000) {
            printed = Date.now();
            console.log(
              `  ${((Date.now() - t0) / 1000).toFixed(0)} s:\n${await sampler.table().catch((e) => e.message)}`,
            );
          }
          // A pause ends the wait too (and fails below): it would never complete.
          return p.status?.phase === "Complete" || condition(p, "Paused")?.status === "True" ? p : undefined;
        },
        3000,
      );
      const makespan = (Date.now() - t0) / 1000;
      console.log(`  ${makespan.toFixed(0)} s:\n${await sampler.table()}`);
      assert.equal(done.status?.phase, "Complete", `paused: ${condition(done, "Paused")?.message}`);
      await sampler.once();
      assert.equal(done.status?.counts?.done, 2, JSON.stringify(done.status));
      // Per node: from its cordon (the recorded start of its first phase) until it was recorded done.
      const perNode: Record<string, number> = {};
      for (const w of cluster.workers) {
        const rows = sampler.rows.filter((r) => r.node === w.name);
        const phases = rows.filter((r) => !["pending", "upToDate", "done"].includes(r.status));
        const start = Math.min(...phases.map((r) => r.since ?? Number.POSITIVE_INFINITY));
        const end = rows.find((r) => r.status === "done")?.since;
        assert.ok(Number.isFinite(start) && end, `${w.name}: started and done: ${sampler.statuses(w.name)}`);
        perNode[w.name] = (end - start) / 1000;
      }
      const sum = Object.values(perNode).reduce((a, b) => a + b, 0);
      Object.assign(figures, {
        rollingMakespanS: Number(makespan.toFixed(1)),
        ...Object.fromEntries(
          Object.entries(perNode).map(([n, s]) => [`node ${n} upgradeS`, Number(s.toFixed(1))]),
        ),
        sumOfNodeUpgradesS: Number(sum.toFixed(1)),
        makespanOverSum: Number((makespan / sum).toFixed(2)),
      });
      for (const w of cluster.workers) {
        const seen = sampler.statuses(w.name);
        console.log(`  ${w.name} statuses seen by basaltctl rollout status: ${seen.join(" → ")}`);
        for (const s of ["draining", "rebooting", "verifying", "done"])
          assert.ok(seen.includes(s), `${w.name} seen ${s} in rollout status: ${seen.join(" → ")}`);
        const reasons = sampler.rows.filter((r) => r.node === w.name).map((r) => r.reason);
        assert.ok(
          reasons.some((r) => /^rebooting since/.test(r)),
          `${w.name}: a rebooting reason`,
        );
        assert.ok(
          reasons.some((r) => /^verifying: /.test(r) || /rebooted into the target/.test(r)),
          `${w.name}: a verifying reason`,
        );
        const s = await upgradeStatus(w.name);
        assert.equal(s.bootedVersion, good);
        assert.equal(s.blessed, true, JSON.stringify(s));
        assert.deepEqual(
          s.slots.map((x: Json) => `${x.slot}:${x.version}:${x.state}`),
          [`A:${v1}:fallback`, `B:${good}:booted`],
        );
        const n = await nodeObject(w.name);
        assert.equal(nodeReady(n), "True");
        assert.ok(!n.spec.unschedulable, `${w.name} uncordoned`);
        assert.equal(n.metadata.annotations?.[annotationKeys.phase], "done");
      }
      // While one node upgraded, the other carried the workload: each was drained once.
      const events: Json[] = (await cluster.kubectl.json(["get", "events", "-n", "default"])).items;
      for (const w of cluster.workers)
        assert.ok(
          events.some((e) => e.reason === "Upgraded" && e.involvedObject?.name === w.name),
          `an Upgraded event for ${w.name}`,
        );
      await until("3 web pods Ready again", 300_000, async () => {
        const pods: Json[] = (await cluster.kubectl.json(["get", "pods", "-l", "app=web"])).items;
        const ready = pods.filter((p) =>
          p.status.conditions?.some((c: Json) => c.type === "Ready" && c.status === "True"),
        );
        return ready.length === 3 ? true : undefined;
      });
    } finally {
      await monitor.stop();
      await sampler.stop();
    }
    console.log(`  invariants: ${monitor.samples} samples, max unavailable ${monitor.maxUnavailable}`);
    assert.ok(monitor.samples > 50, `sampled throughout (${monitor.samples})`);
    assert.deepEqual(monitor.violations, []);
    assert.equal(monitor.maxUnavailable, 1, "one node at a time, and at least one moved");
    assert.deepEqual((await cordoned(cluster.kube)).any, []);
    passed++;
  });

  test(`a plan to ${bad} (health forced to fail): the node falls back by itself, the controller records it, pauses at the failure budget, the node stays usable`, async () => {
    assert.equal(passed, 3, "the rolling upgrade passed");
    // The finished plan hands its nodes back before it goes (finalizer).
    await cluster.kubectl.run(["delete", "upgradeplan", `os-${good}`, "--wait=true", "--timeout=120s"]);
    const name = `os-${bad}`;
    const spec = planSpec(bad, `${bundleBase}/basalt-${bad}.bundle`);
    const monitor = new InvariantMonitor(cluster.kube, spec, [workload]);
    const sampler = statusSampler(cluster.adminKubeconfig, name);
    monitor.start(1000);
    const t0 = Date.now();
    let paused: PlanObject;
    let canary: string;
    try {
      await createPlan(cluster.kube, name, spec);
      let printed = 0;
      paused = await waitPlan(name, `plan ${name} paused at the failure budget`, 2_400_000, (p) => {
        if (Date.now() - printed > 60_000) {
          printed = Date.now();
          void sampler.table().then(
            (t) => console.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s:\n${t}`),
            () => {},
          );
        }
        return condition(p, "Paused")?.status === "True";
      });
      figures.badVersionToPauseS = Number(((Date.now() - t0) / 1000).toFixed(1));
      const why = condition(paused, "Paused")!;
      assert.equal(why.reason, "FailureBudget");
      assert.match(why.message, /plan paused: 1 of 2 failed \(budget 0\)/);
      const started = cluster.workers.filter((w) =>
        sampler.rows.some((r) => r.node === w.name && r.status !== "pending"),
      );
      assert.equal(started.length, 1, "only the canary started");
      canary = started[0]!.name;
      // The controller settles the node (rolled back by the node itself, uncordoned).
      const node = await until(`${canary} rolled back and uncordoned`, 300_000, async () => {
        const n = await nodeObject(canary);
        return n.metadata.annotations?.[annotationKeys.phase] === "rolledBack" && !n.spec.unschedulable
          ? n
          : undefined;
      });
      assert.match(
        node.metadata.annotations?.[annotationKeys.lastError] ?? "",
        /fell back by itself|rolled itself back/,
      );
      console.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s:\n${await sampler.table()}`);
      const other = cluster.workers.find((w) => w.name !== canary)!;
      // Paused: nothing new starts.
      await new Promise((r) => setTimeout(r, 20_000));
      const o = await nodeObject(other.name);
      assert.ok(!o.spec.unschedulable, `${other.name} never cordoned`);
      assert.equal(o.metadata.annotations?.[annotationKeys.phase], undefined, `${other.name} never started`);
      assert.equal((await upgradeStatus(other.name)).bootedVersion, good);
    } finally {
      await monitor.stop();
      await sampler.stop();
    }
    // The node: back on the good version by itself, blessed, the failed tries reported; usable.
    const s = await upgradeStatus(canary);
    assert.equal(s.bootedVersion, good, JSON.stringify(s));
    assert.equal(s.blessed, true);
    const failed = s.failedAttempts.find((f: Json) => f.version === bad);
    assert.ok(failed, JSON.stringify(s));
    assert.equal(failed.tries, 3);
    const n = await nodeObject(canary);
    assert.equal(nodeReady(n), "True");
    assert.ok(!n.spec.unschedulable);
    const seen = sampler.statuses(canary);
    console.log(`  ${canary} statuses seen by basaltctl rollout status: ${seen.join(" → ")}`);
    for (const st of ["draining", "rebooting", "rolledBack"])
      assert.ok(seen.includes(st), `${canary} seen ${st}: ${seen.join(" → ")}`);
    const last = sampler.rows.filter((r) => r.node === canary).at(-1)!;
    assert.equal(last.code, "rolledBack");
    assert.match(last.reason, /rolled back: .*fell back by itself|rolled itself back/);
    const otherRow = sampler.rows.filter((r) => r.node !== canary).at(-1)!;
    assert.equal(otherRow.code, "paused", JSON.stringify(otherRow));
    const events: Json[] = (await cluster.kubectl.json(["get", "events", "-n", "default"])).items;
    assert.ok(events.some((e) => e.reason === "UpgradeFailed" && e.involvedObject?.name === canary));
    assert.ok(events.some((e) => e.reason === "RolledBack" && e.involvedObject?.name === canary));
    console.log(`  invariants: ${monitor.samples} samples, max unavailable ${monitor.maxUnavailable}`);
    assert.deepEqual(monitor.violations, []);
    assert.ok(monitor.maxUnavailable <= 1);
    passed++;
  });

  test("the node that failed takes pods again: it is schedulable and runs the workload", async () => {
    const p = await getPlan(cluster.kube, `os-${bad}`);
    const canary =
      cluster.workers.find(
        (w) => p.status?.reasons?.some((r) => r.node === w.name && r.code === "rolledBack") ?? false,
      ) ?? cluster.workers[0]!;
    await cluster.kubectl.run(["scale", "deployment", "web", "--replicas=6"]);
    await until(`web pods on ${canary.name}`, 300_000, async () => {
      const pods = await podsOn(canary.name);
      return pods.some((x) =>
        x.status.conditions?.some((c: Json) => c.type === "Ready" && c.status === "True"),
      )
        ? true
        : undefined;
    });
    await cluster.kube.request({ method: "DELETE", path: `${upgradePlanPath}/os-${bad}` });
    passed++;
  });
});

const workloadYaml = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      topologySpreadConstraints:
        - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: { matchLabels: { app: web } } }
      terminationGracePeriodSeconds: 2
      containers:
        - name: web
          image: basalt.test/busybox:1.0
          imagePullPolicy: Never
          command: ["/bin/sh", "-c", "mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www"]
          readinessProbe: { httpGet: { path: /index.html, port: 8080 }, periodSeconds: 2 }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web, namespace: default }
spec:
  minAvailable: 2
  selector: { matchLabels: { app: web } }
`;
