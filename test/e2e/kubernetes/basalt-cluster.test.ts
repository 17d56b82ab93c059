import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ClusterService } from "@basalt/api";
import { nodeTransport } from "@basalt/client";
import { clusterPhases } from "@basalt/provision";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { annotationKeys, upgradePlanPath } from "@basalt/rollout";
import { k8sBinDir } from "@basalt/testkit";
import { createClient } from "@connectrpc/connect";
import { parse, stringify } from "yaml";
import { cordoned, InvariantMonitor } from "../../controller/support/invariants.ts";
import { condition, createPlan, getPlan, type PlanObject } from "../../controller/support/plans.ts";
import type { Workload } from "../../controller/support/workloads.ts";
import { cachedImage } from "../support/cached-image.ts";
import { busyboxArchive } from "./support/busybox-image.ts";
import { type DeployedController, deployController } from "./support/controller-deploy.ts";
import { createdCluster } from "./support/created-cluster.ts";
import { type Kubectl, kubectlRunner, nodeReady, run, until } from "./support/kubectl.ts";
import {
  applyRolloutSettings,
  createdRolloutCluster,
  type RolloutCluster,
} from "./support/rollout-cluster.ts";
import { statusSampler } from "./support/rollout-status.ts";
import { kubernetesUpgradeBundles } from "./support/upgrade-images.ts";
import {
  podNetworkCases,
  routesAfterRebootCase,
  type WorkerCaseContext,
  workerCaseCount,
} from "./support/worker-cases.ts";

/**
 * One Basalt cluster end to end, under qemu TCG, in the order an operator lives with one:
 * - `basaltctl cluster create` (the bundled CLI from dist/) makes 1 control plane + 2 workers in a
 *   network namespace of its own and bootstraps the control plane through the node API;
 * - the cluster: Bootstrap refused on a worker and a second time, Kubeconfig through the node API,
 *   every Node Ready (the control plane tainted and labelled, its services running), a workload on
 *   the workers, basaltctl from every node, `cluster list`; the control plane reboots and comes back
 *   serving by itself;
 * - basalt-controller moves the real nodes: the update settings set through the config API, deploy/
 *   applied, the controller running with its RBAC identity inside the cluster network, a Deployment
 *   under a PDB, a signed new OS version rolled across both workers (cordon → drain through the
 *   Eviction API → upgrade through the node API → reboot into the other slot → Ready and blessed →
 *   uncordon), then a version whose health is forced to fail (the node falls back by itself, the
 *   controller records it and pauses at the failure budget, the node stays usable). Budget and PDB
 *   floor are sampled from the apiserver throughout; `basaltctl rollout status` is captured throughout;
 * - what the workers do for their pods (support/worker-cases.ts): node services and their events, pod
 *   to pod on one node and across nodes without NAT, host-gw routes, a ClusterIP Service, routes
 *   back after the upgrade's reboots;
 * - `cluster destroy` leaves no namespace, process or file behind.
 * The cases share the cluster, in order. The figures (create to Nodes Ready, each worker's upgrade,
 * the rolling makespan and its ratio to the sum of single-node upgrades) are printed at the end.
 */
const name = "e2eb";
const cpName = `${name}-cp`;
const workerNames = [`${name}-w1`, `${name}-w2`];
const v1 = "0.1.0";
const good = "0.2.0";
const bad = "0.9.0";
const healthDeadlineSeconds = 90;
const bootstrapPhases = [
  "etcd",
  "kube-apiserver",
  "bootstrap-token",
  "rbac",
  "marker",
  "kube-controller-manager",
  "kube-scheduler",
  "done",
];

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes and basaltctl JSON, checked field by field
type Json = any;

const workload: Workload = { namespace: "default", name: "web", replicas: 3, pdb: { minAvailable: 2 } };

const planSpec = (
  version: string,
  bundleUrl: string,
  extra: Partial<UpgradePlanSpec> = {},
): UpgradePlanSpec => ({
  target: { os: { version, bundleUrl } },
  // The workers only: an empty selector takes every Node, the control plane too (one in this
  // cluster, whose reboot would take the apiserver and the controller's view away with it).
  nodeSelector: {
    matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }],
  },
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("succeeded; it should have been refused");
};

describe("one Basalt cluster: create, control plane, controller rollout, destroy", {
  timeout: 9_000_000,
}, () => {
  const t0 = Date.now();
  const created = createdCluster(name);
  let kubectl: Kubectl;
  let cluster: RolloutCluster;
  let controller: DeployedController;
  let bundles: { good: string; bad: string; publicKey: string };
  let bundleBase: string;
  let passed = 0;
  let goodRolled = false;
  const cases = 16 + workerCaseCount;
  const figures: Record<string, number | string> = {};
  const seconds = (ms: number) => Math.round((Date.now() - ms) / 100) / 10;

  const nodeApi = (node: string) => {
    const endpoint = created.state().nodes.find((n) => n.name === node)!.apiEndpoint;
    return createClient(
      ClusterService,
      nodeTransport(endpoint, created.identity(), { timeoutMs: 1_200_000 }),
    );
  };
  const bootstrap = async (node: string) => {
    const out: { phase: string; done: boolean }[] = [];
    for await (const p of nodeApi(node).bootstrap({})) out.push({ phase: p.phase, done: p.done });
    return out;
  };
  const nodeObject = (n: string): Promise<Json> => cluster.kubectl.json(["get", "node", n]);
  const upgradeStatus = async (n: string): Promise<Json> => {
    const w = cluster.workers.find((x) => x.name === n)!;
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
  const waitPlan = (plan: string, what: string, timeoutMs: number, ok: (p: PlanObject) => boolean) =>
    until(
      what,
      timeoutMs,
      async () => {
        const p = await getPlan(cluster.kube, plan);
        return ok(p) ? p : undefined;
      },
      3000,
    );

  before(async () => {
    const log = (l: string) => console.log(`  imager ${l}`);
    // Built (or found in the cache) before the VMs start: the imager must not compete with them.
    const imageStarted = Date.now();
    const image = (await cachedImage(log, { profile: "kubernetes" })).dir;
    // Building the image is a first run's cost (cached by its inputs); 0 s means it was reused.
    figures.imageS = seconds(imageStarted);
    const bundlesStarted = Date.now();
    bundles = await kubernetesUpgradeBundles(log, { good, bad });
    figures.upgradeBundlesS = seconds(bundlesStarted);
    const started = Date.now();
    await created.create(2, image);
    figures.createWallS = seconds(started);
    kubectl = kubectlRunner(await k8sBinDir(), created.kubeconfig);
  });

  after(async () => {
    figures.suiteWallS = seconds(t0);
    console.log(`  figures: ${JSON.stringify(figures)}`);
    await cluster?.stop();
    if (passed < cases) {
      if (existsSync(created.dir)) console.log(`  cluster logs kept in ${created.keepLogs()}`);
      if (controller) console.log(`  controller log: ${controller.component.logPath}`);
    }
    // A failed case still leaves nothing running.
    await created.destroy().catch((err) => console.log(`  destroy: ${(err as Error).message}`));
    if (!process.env.BASALT_E2E_KEEP && passed === cases) created.remove();
    else console.log(`  work directory kept: ${created.workDir}`);
  });

  test("cluster create: its phases in order, the control plane bootstrapped through the node API one message per phase (etcd → apiserver → join objects → controllers), every Node Ready", () => {
    const events = created.progress();
    const order = events.map((e) => clusterPhases.indexOf(e.phase));
    assert.ok(
      order.every((p, i) => p >= 0 && (i === 0 || p >= order[i - 1]!)),
      `phases in order: ${events.map((e) => e.phase).join(" ")}`,
    );
    assert.equal(events.at(-1)?.end, "ready");
    const progress = events
      .filter((e) => e.phase === "bootstrap" && e.node === cpName)
      .map((e) => /^([a-z-]+): /.exec(e.message)?.[1]);
    console.log(`  bootstrap: ${JSON.stringify(events.filter((e) => e.phase === "bootstrap"))}`);
    // "pki" first only if Bootstrap came before the node had written this boot's certificates.
    assert.deepEqual(
      progress.filter((p, i) => !(i === 0 && p === "pki")),
      bootstrapPhases,
    );
    assert.match(events.filter((e) => e.phase === "bootstrap").at(-1)!.message, /\(done\)$/);
    const state = created.state();
    assert.equal(state.status, "ready");
    assert.ok(state.readySeconds! > 0);
    figures.createToNodesReadyS = Number(state.readySeconds!.toFixed(1));
    const at = (phase: string) => events.find((e) => e.phase === phase)?.t;
    figures.createBootToBootstrapS = Number((((at("bootstrap") ?? 0) - (at("boot") ?? 0)) / 1000).toFixed(1));
    figures.createBootstrapToNodesReadyS = Number(
      ((events.at(-1)!.t - (at("bootstrap") ?? 0)) / 1000).toFixed(1),
    );
    passed++;
  });

  test("Bootstrap on a worker is refused, clearly", async () => {
    const message = await errorOf(bootstrap(workerNames[0]!));
    assert.match(message, /Kubernetes worker, not a control-plane node/);
    passed++;
  });

  test("a second Bootstrap is refused with the date of the first", async () => {
    const message = await errorOf(bootstrap(cpName));
    assert.match(message, /already bootstrapped on \d{4}-\d\d-\d\dT/);
    passed++;
  });

  test("Kubeconfig through the node API: an admin kubeconfig that kubectl uses (create's works too)", async () => {
    assert.equal((await kubectl.run(["get", "--raw", "/readyz"])).trim(), "ok");
    const answer = await nodeApi(cpName).kubeconfig({ validitySeconds: 7200 });
    const doc = parse(answer.kubeconfig);
    // Reach the apiserver through create's forward on the host; its certificate names 127.0.0.1 too.
    doc.clusters[0].cluster.server = created.state().apiserver;
    const file = join(created.workDir, "admin.kubeconfig");
    writeFileSync(file, stringify(doc), { mode: 0o600 });
    const fresh = kubectlRunner(await k8sBinDir(), file);
    assert.equal((await fresh.run(["get", "--raw", "/readyz"])).trim(), "ok");
    const hours = (Date.parse(answer.expires) - Date.now()) / 3_600_000;
    assert.ok(hours > 1.9 && hours <= 2, `valid for the 2 h asked: ${hours}`);
    passed++;
  });

  test("every Node Ready: one control plane (tainted NoSchedule, labelled by basaltd, its services running) and two workers", async () => {
    const nodes = (await kubectl.json(["get", "nodes"])).items as Json[];
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), [cpName, ...workerNames]);
    for (const n of nodes) {
      assert.equal(nodeReady(n), "True", `${n.metadata.name} Ready`);
      assert.ok(n.spec.podCIDR, `${n.metadata.name} has a podCIDR`);
      assert.equal(n.status.nodeInfo.kubeletVersion, "v1.34.4");
      assert.match(n.status.nodeInfo.osImage, /^Basalt/);
      assert.match(n.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/v?2\.2\./);
      const ip = n.status.addresses.find((a: Json) => a.type === "InternalIP")?.address;
      assert.equal(ip, created.state().nodes.find((x) => x.name === n.metadata.name)?.ip);
    }
    // NodeStatus names the kubelet too (read from the binary on first ask, so poll briefly).
    for (const w of workerNames)
      await until(`${w}: NodeStatus names its kubelet`, 120_000, async () => {
        const [answer] = (await created.nodeCtl(w, ["status", "-o", "json"])).trim().split("\n");
        return JSON.parse(answer!).value.kubeletVersion === "v1.34.4" ? true : undefined;
      });
    const cp = nodes.find((n) => n.metadata.name === cpName);
    assert.ok(
      (cp.spec.taints ?? []).some(
        (t: Json) => t.key === "node-role.kubernetes.io/control-plane" && t.effect === "NoSchedule",
      ),
      `the control plane is not schedulable by default: ${JSON.stringify(cp.spec.taints)}`,
    );
    assert.notEqual(cp.metadata.labels?.["node-role.kubernetes.io/control-plane"], undefined);
    const services = await created.nodeCtl(cpName, ["services"]);
    for (const s of [
      "etcd",
      "kube-apiserver",
      "kube-controller-manager",
      "kube-scheduler",
      "kubelet",
      "kube-proxy",
    ])
      assert.match(services, new RegExp(`${s}\\s+running`), services);
    passed++;
  });

  test("a workload runs on the workers, its image imported through the node API", async () => {
    const archive = join(created.workDir, "busybox.tar");
    writeFileSync(archive, busyboxArchive());
    await created.nodeCtl(workerNames.join(","), ["image", "import", archive, "--timeout", "300s"], 600_000);
    await kubectl.run(["apply", "-f", "-"], 300_000, helloYaml);
    const started = Date.now();
    const pods = await until("2 hello pods Running", 900_000, async () => {
      const items = (await kubectl.json(["get", "pods", "-l", "app=hello"])).items as Json[];
      return items.length === 2 && items.every((p) => p.status.phase === "Running") ? items : undefined;
    });
    figures.helloPodsRunningS = seconds(started);
    for (const p of pods) assert.match(p.spec.nodeName, new RegExp(`^${name}-w[12]$`));
    assert.match(await kubectl.run(["logs", pods[0].metadata.name]), /hello from hello-/);
    passed++;
  });

  const workerCases: WorkerCaseContext = {
    created,
    kubectl: () => kubectl,
    workers: [workerNames[0]!, workerNames[1]!],
    passed: () => {
      passed++;
    },
  };
  podNetworkCases(workerCases);

  test("basaltctl answers from every node through the cluster's context", async () => {
    const out = await created.ctl([
      "--context",
      name,
      "version",
      "-n",
      "all",
      "-o",
      "json",
      "--timeout",
      "60s",
    ]);
    const answers = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(answers.map((a) => a.node).sort(), [cpName, ...workerNames]);
    for (const a of answers) assert.equal(a.error, undefined, `${a.node}: ${JSON.stringify(a.error)}`);
    passed++;
  });

  test("cluster list shows the cluster and its running nodes", async () => {
    const [c] = JSON.parse(await created.ctl(["cluster", "list", "-o", "json"]));
    assert.equal(c.name, name);
    assert.equal(c.status, "ready");
    assert.deepEqual(
      c.nodes.map((n: Json) => [n.name, n.role, n.running]),
      [
        [cpName, "controlplane", true],
        [workerNames[0], "worker", true],
        [workerNames[1], "worker", true],
      ],
    );
    assert.match(
      await created.ctl(["cluster", "list"]),
      new RegExp(`${name}\\s+ready\\s+${cpName}\\s+controlplane`),
    );
    passed++;
  });

  test("reboot of the control plane: it comes back serving by itself", async () => {
    const consoleLog = created.state().nodes.find((n) => n.name === cpName)!.consoleLog;
    const from = statSync(consoleLog).size;
    const before = (await kubectl.json(["get", "pods", "-l", "app=hello"])).items.map(
      (p: Json) => p.metadata.name,
    );
    const started = Date.now();
    await created.nodeCtl(cpName, ["reboot"]);
    await until(
      "the control plane's initramfs again",
      300_000,
      async () =>
        /basalt-initramfs: uptime/.test(readFileSync(consoleLog).subarray(from).toString())
          ? true
          : undefined,
      1000,
    );
    await until(
      "its node API again",
      600_000,
      async () => ((await created.nodeCtl(cpName, ["version"])) ? true : undefined),
      3000,
    );
    figures.cpRebootApiS = seconds(started);
    await until(
      "the apiserver ready again",
      1_200_000,
      async () => ((await kubectl.run(["get", "--raw", "/readyz"])).trim() === "ok" ? true : undefined),
      5000,
    );
    figures.cpRebootApiserverS = seconds(started);
    await until(
      `${cpName} Ready with a heartbeat after the reboot`,
      1_200_000,
      async () => {
        const n = await kubectl.json(["get", "node", cpName]);
        const ready = n.status.conditions.find((c: Json) => c.type === "Ready");
        return ready.status === "True" && Date.parse(ready.lastHeartbeatTime) > started ? n : undefined;
      },
      5000,
    );
    figures.cpRebootNodeReadyS = seconds(started);
    const pods = (await kubectl.json(["get", "pods", "-l", "app=hello"])).items as Json[];
    assert.deepEqual(pods.map((p) => p.metadata.name).sort(), before.sort(), "the same pods");
    for (const p of pods) assert.equal(p.status.phase, "Running", p.metadata.name);
    assert.match(await errorOf(bootstrap(cpName)), /already bootstrapped/);
    // The rollout cases' workload is the only one from here: their PDB floor counts only it.
    await kubectl.run(["delete", "deployment", "hello", "--wait=true", "--timeout=300s"], 360_000);
    passed++;
  });

  test("update settings through the config API: the release key applied live, the health deadline staged for the next boot", async () => {
    const nodes = workerNames.join(",");
    const refused = await errorOf(
      created.nodeCtl(nodes, [
        "config",
        "patch",
        "--merge",
        JSON.stringify({ update: { healthDeadlineSeconds } }),
        "--dry-run",
      ]),
    );
    assert.match(refused, /update\.healthDeadlineSeconds: the boot guard reads it at boot/);
    const applied = await applyRolloutSettings(created, nodes, {
      trustedKeys: [bundles.publicKey],
      healthDeadlineSeconds,
    });
    for (const r of [...applied.live, ...applied.staged]) assert.equal(r.error, undefined, JSON.stringify(r));
    for (const r of applied.live) {
      assert.equal(r.value.result.mode, "no-reboot");
      assert.deepEqual(
        r.value.result.changes.map((c: Json) => [c.path, c.live]),
        [["update.trustedKeys", true]],
        JSON.stringify(r.value.result.changes),
      );
    }
    for (const r of applied.staged) assert.equal(r.value.result.mode, "staged");
    for (const line of (await created.nodeCtl(nodes, ["config", "get", "-o", "json"])).trim().split("\n")) {
      const got = JSON.parse(line);
      assert.equal(got.value.stagedPending, true, `${got.node}: the deadline waits for the next boot`);
      assert.ok(
        parse(got.value.yaml).update.trustedKeys.includes(bundles.publicKey),
        `${got.node} trusts the release key now`,
      );
    }
    cluster = await createdRolloutCluster(created);
    // The release server: inside the cluster network, where the nodes fetch bundles from.
    const port = 8089;
    const server = cluster.runInside("bundle-server", process.execPath, [
      join(import.meta.dirname, "./support/file-server-main.ts"),
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
    passed++;
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
    await cluster.kubectl.run(["apply", "-f", "-"], 300_000, workloadYaml);
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
    const plan = `os-${good}`;
    const spec = planSpec(good, `${bundleBase}/basalt-${good}.bundle`);
    const monitor = new InvariantMonitor(cluster.kube, spec, [workload]);
    const sampler = statusSampler(cluster.adminKubeconfig, plan);
    // Every 2 s: three lists a second weighed on an apiserver that shares two host cores with its VMs.
    monitor.start(2000);
    const t0 = Date.now();
    try {
      await createPlan(cluster.kube, plan, spec);
      let printed = 0;
      const done = await until(
        `plan ${plan} Complete`,
        2_400_000,
        async () => {
          const p = await getPlan(cluster.kube, plan);
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
      // "verifying" lasts from the node's return to its health gates passing: seconds when the node
      // was already Ready and healthy by the time the controller looked, less than one sample of
      // `rollout status` (once for one of the two). It must show for at least one node; the
      // Upgraded event below says each was verified.
      const verifyingSeen: string[] = [];
      for (const w of cluster.workers) {
        const seen = sampler.statuses(w.name);
        console.log(`  ${w.name} statuses seen by basaltctl rollout status: ${seen.join(" → ")}`);
        for (const s of ["draining", "rebooting", "done"])
          assert.ok(seen.includes(s), `${w.name} seen ${s} in rollout status: ${seen.join(" → ")}`);
        const reasons = sampler.rows.filter((r) => r.node === w.name).map((r) => r.reason);
        assert.ok(
          reasons.some((r) => /^rebooting since/.test(r)),
          `${w.name}: a rebooting reason`,
        );
        if (
          seen.includes("verifying") &&
          reasons.some((r) => /^verifying: /.test(r) || /rebooted into the target/.test(r))
        )
          verifyingSeen.push(w.name);
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
      assert.ok(verifyingSeen.length > 0, "verifying, with its reason, in rollout status for a node");
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
    goodRolled = true;
    passed++;
  });

  routesAfterRebootCase(workerCases, () => goodRolled);

  test(`a plan to ${bad} (health forced to fail): the node falls back by itself, the controller records it, pauses at the failure budget, the node stays usable`, async () => {
    assert.ok(goodRolled, "the rolling upgrade passed");
    // The finished plan hands its nodes back before it goes (finalizer).
    await cluster.kubectl.run(["delete", "upgradeplan", `os-${good}`, "--wait=true", "--timeout=120s"]);
    const plan = `os-${bad}`;
    const spec = planSpec(bad, `${bundleBase}/basalt-${bad}.bundle`);
    const monitor = new InvariantMonitor(cluster.kube, spec, [workload]);
    const sampler = statusSampler(cluster.adminKubeconfig, plan);
    // Every 2 s: three lists a second weighed on an apiserver that shares two host cores with its VMs.
    monitor.start(2000);
    const t0 = Date.now();
    let paused: PlanObject;
    let canary: string;
    try {
      await createPlan(cluster.kube, plan, spec);
      let printed = 0;
      paused = await waitPlan(plan, `plan ${plan} paused at the failure budget`, 2_400_000, (p) => {
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

  test("cluster destroy leaves no namespace, process or file behind", async () => {
    const state = created.state();
    const pids = [state.host.pid, state.relay?.pid, ...state.nodes.map((n) => n.qemu?.pid)].filter(
      (p): p is number => p !== undefined,
    );
    assert.equal(pids.length, 5, "host, relay and three qemu were recorded");
    await cluster.stop();
    await created.destroy();
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} is gone`);
    assert.doesNotMatch(
      await run(["ip", "netns", "list"], 10_000),
      new RegExp(`^${state.namespace}\\b`, "m"),
    );
    assert.equal(existsSync(created.dir), false, "the cluster directory is gone");
    assert.equal(
      existsSync(created.basaltconfig),
      false,
      "its context was the only one: the client config is gone",
    );
    assert.deepEqual(JSON.parse(await created.ctl(["cluster", "list", "-o", "json"])), []);
    passed++;
  });
});

const helloYaml = `apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: 2
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: web
          image: basalt.test/busybox:1.0
          imagePullPolicy: Never
          command: [sh, -c, 'echo "hello from $(hostname)"; exec sleep 100000']
`;

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
