import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ClusterService } from "@basalt/api";
import { nodeTransport } from "@basalt/client";
import { createCa, issueLeaf, type KeyPairPem } from "@basalt/pki";
import { k8sBinDir, type NetnsCluster, startNetnsCluster } from "@basalt/testkit";
import { createClient } from "@connectrpc/connect";
import { parse, stringify } from "yaml";
import { cachedImage } from "../support/cached-image.ts";
import { busyboxArchive } from "./support/busybox-image.ts";
import { type Kubectl, kubectlRunner, nodeReady, run, until } from "./support/kubectl.ts";

/**
 * The control plane on a Basalt node, end to end under qemu TCG: one control-plane VM (etcd,
 * apiserver, controller-manager, scheduler, kubelet, kube-proxy supervised by basaltd) and one
 * worker VM in a network namespace of their own. Bootstrap and Kubeconfig go through the node API;
 * kubectl reaches the apiserver through a loopback forward into the namespace. The PKI is made with
 * @basalt/pki directly (what `basaltctl gen secrets` holds); the configs are `gen config --worker`
 * output, the control plane's with role controlplane and its controlPlane section added.
 */

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes JSON, checked field by field
type Json = any;

const basaltctl = join(import.meta.dirname, "../../../dist/basaltctl.mjs");
const runCtl = (args: readonly string[], timeoutMs = 180_000) =>
  run([process.execPath, basaltctl, "--timeout", "90s", ...args], timeoutMs);

const cases = 7;

describe("control plane on a Basalt node", { timeout: 5_400_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "basalt-e2e-cp-"));
  let cluster: NetnsCluster;
  let passed = 0;
  let clientTls: KeyPairPem & { ca: string };
  let kubectl: Kubectl;
  let apiForward: { host: string; port: number };
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const since = (ms: number) => Math.round((Date.now() - ms) / 100) / 10;
  const clusterClient = (node: string) => {
    const vm = cluster.vms.find((v) => v.name === node)!;
    return createClient(ClusterService, nodeTransport(vm.apiEndpoint, clientTls, { timeoutMs: 1_200_000 }));
  };
  const ctl = (node: string, args: readonly string[]) =>
    runCtl(["--basaltconfig", cluster.clientConfigPath, "-n", node, ...args]);
  const bootstrap = async (node: string) => {
    const out: { phase: string; message: string; done: boolean; s: number }[] = [];
    const started = Date.now();
    for await (const p of clusterClient(node).bootstrap({}))
      out.push({ phase: p.phase, message: p.message, done: p.done, s: since(started) });
    return out;
  };
  const errorOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error("succeeded; it should have been refused");
  };

  before(async () => {
    const image = (await cachedImage((l) => console.log(`  imager ${l}`), { profile: "kubernetes" })).dir;
    const secretsPath = join(work, "secrets.yaml");
    await runCtl(["gen", "secrets", "--out", secretsPath]);
    const secrets = parse(readFileSync(secretsPath, "utf8"));
    const [etcdCA, frontProxyCA] = await Promise.all([createCa("etcd-ca"), createCa("front-proxy-ca")]);
    const serviceAccountKey = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const admin = await issueLeaf(secrets.ca, {
      commonName: "e2e-admin",
      organizations: ["os:admin"],
      usage: "client",
    });
    clientTls = { ...admin, ca: secrets.ca.cert };
    const bootStart = Date.now();
    cluster = await startNetnsCluster({
      image,
      osCa: secrets.ca,
      controlPlane: false,
      bootTimeoutMs: 600_000,
      log: (l) => console.log(`  lab ${l}`),
      vms: ["cp", "w1"].map((name) => ({
        name,
        memoryMiB: name === "cp" ? 2560 : 1536,
        cpus: 1,
        configure: async (_generated, ctx) => {
          const cpIp = ctx.plan.vms.find((v) => v.name === "cp")!.ip;
          const out = join(work, "configs", name);
          mkdirSync(out, { recursive: true });
          await runCtl([
            "gen",
            "config",
            "--secrets",
            secretsPath,
            "--kubernetes-endpoint",
            `https://${cpIp}:6443`,
            "--worker",
            `${name}=${ctx.vm.cidr}`,
            "--gateway",
            ctx.plan.bridge.ip,
            "--api-san",
            "127.0.0.1",
            "--out",
            out,
          ]);
          const config = parse(readFileSync(join(out, `${name}.yaml`), "utf8"));
          config.kubernetes.nodeIP = ctx.vm.ip;
          if (name === "cp") {
            config.kubernetes.role = "controlplane";
            config.kubernetes.controlPlane = {
              caKey: secrets.kubernetes.ca.key,
              etcdCA,
              frontProxyCA,
              serviceAccountKey,
              certSANs: ["127.0.0.1"],
            };
          }
          return config;
        },
      })),
    });
    timings.apisUpS = since(bootStart);
    const cpIp = cluster.vms.find((v) => v.name === "cp")!.ip;
    apiForward = await cluster.network.forward(cpIp, 6443);
  });

  after(async () => {
    console.log(`  timings (s): ${JSON.stringify(timings)}`);
    if (passed < cases) cluster?.markFailed();
    await cluster?.destroy();
    if (!process.env.BASALT_E2E_KEEP) rmSync(work, { recursive: true, force: true });
  });

  test("Bootstrap on the worker is refused, clearly", async () => {
    const message = await errorOf(bootstrap("w1"));
    assert.match(message, /Kubernetes worker, not a control-plane node/);
    passed++;
  });

  test("Bootstrap through the node API: one message per phase, etcd → apiserver → join objects → controllers", async () => {
    const started = Date.now();
    const progress = await bootstrap("cp");
    timings.bootstrapS = since(started);
    console.log(`  bootstrap: ${JSON.stringify(progress)}`);
    assert.deepEqual(
      progress.map((p) => p.phase),
      [
        "etcd",
        "kube-apiserver",
        "bootstrap-token",
        "rbac",
        "marker",
        "kube-controller-manager",
        "kube-scheduler",
        "done",
      ],
    );
    assert.equal(progress.at(-1)?.done, true);
    passed++;
  });

  test("a second Bootstrap is refused with the date of the first", async () => {
    const message = await errorOf(bootstrap("cp"));
    assert.match(message, /already bootstrapped on \d{4}-\d\d-\d\dT/);
    passed++;
  });

  test("Kubeconfig: an admin kubeconfig that kubectl uses", async () => {
    const answer = await clusterClient("cp").kubeconfig({ validitySeconds: 7200 });
    const doc = parse(answer.kubeconfig);
    // Reach the apiserver through the loopback forward, checking its certificate for a name it has.
    doc.clusters[0].cluster.server = `https://${apiForward.host}:${apiForward.port}`;
    doc.clusters[0].cluster["tls-server-name"] = "kubernetes";
    const file = join(work, "admin.kubeconfig");
    writeFileSync(file, stringify(doc), { mode: 0o600 });
    kubectl = kubectlRunner(await k8sBinDir(), file);
    assert.equal((await kubectl.run(["get", "--raw", "/readyz"])).trim(), "ok");
    const hours = (Date.parse(answer.expires) - Date.now()) / 3_600_000;
    assert.ok(hours > 1.9 && hours <= 2, `valid for the 2 h asked: ${hours}`);
    passed++;
  });

  test("both Nodes Ready; the control plane tainted NoSchedule and labelled by basaltd", async () => {
    const started = Date.now();
    const nodes = await until(
      "cp and w1 Ready",
      1_200_000,
      async () => {
        const items: Json[] = (await kubectl.json(["get", "nodes"])).items;
        const ready = items.filter((n) => nodeReady(n) === "True");
        const cp = ready.find((n) => n.metadata.name === "cp");
        const labelled = cp?.metadata.labels?.["node-role.kubernetes.io/control-plane"] !== undefined;
        return ready.length === 2 && labelled ? items : undefined;
      },
      5000,
    );
    timings.nodesReadyAfterBootstrapS = since(started);
    const cp = nodes.find((n: Json) => n.metadata.name === "cp");
    assert.ok(
      (cp.spec.taints ?? []).some(
        (t: Json) => t.key === "node-role.kubernetes.io/control-plane" && t.effect === "NoSchedule",
      ),
      JSON.stringify(cp.spec.taints),
    );
    for (const n of nodes) assert.ok(n.spec.podCIDR, `${n.metadata.name} has a podCIDR`);
    const services = await ctl("cp", ["services"]);
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

  test("a pod runs on the worker", async () => {
    const archive = join(work, "busybox.tar");
    writeFileSync(archive, busyboxArchive());
    await ctl("w1", ["image", "import", archive]);
    await kubectl.run(["apply", "-f", "-"], 60_000, pod);
    const started = Date.now();
    const running = await until(
      "pod hello Running",
      600_000,
      async () => {
        const p = await kubectl.json(["get", "pod", "hello"]);
        return p.status.phase === "Running" ? p : undefined;
      },
      3000,
    );
    timings.podRunningS = since(started);
    assert.equal(running.spec.nodeName, "w1");
    passed++;
  });

  test("reboot of the control plane: it comes back serving by itself", async () => {
    const vm = cluster.network.vm("cp");
    const from = vm.qemu!.consoleLength();
    const started = Date.now();
    await ctl("cp", ["reboot"]);
    await vm.qemu!.waitForConsole(/basalt-initramfs: uptime/, 300_000, from);
    await cluster.network.waitForApi("cp", 600_000);
    timings.rebootApiS = since(started);
    await until(
      "the apiserver ready again",
      1_200_000,
      async () => ((await kubectl.run(["get", "--raw", "/readyz"])).trim() === "ok" ? true : undefined),
      5000,
    );
    timings.rebootApiserverS = since(started);
    await until(
      "cp Ready with a heartbeat after the reboot",
      1_200_000,
      async () => {
        const n = await kubectl.json(["get", "node", "cp"]);
        const ready = n.status.conditions.find((c: Json) => c.type === "Ready");
        return ready.status === "True" && Date.parse(ready.lastHeartbeatTime) > started ? n : undefined;
      },
      5000,
    );
    timings.rebootNodeReadyS = since(started);
    assert.match(await kubectl.run(["get", "pod", "hello", "-o", "jsonpath={.status.phase}"]), /Running/);
    assert.match(await errorOf(bootstrap("cp")), /already bootstrapped/);
    passed++;
  });

  test("timings since the lab started", () => {
    timings.totalS = since(t0);
    passed++;
  });
});

const pod = `
apiVersion: v1
kind: Pod
metadata: { name: hello }
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - name: hello
      image: basalt.test/busybox:1.0
      imagePullPolicy: Never
      command: ["/bin/sh", "-c", "echo hello; exec sleep 100000"]
`;
