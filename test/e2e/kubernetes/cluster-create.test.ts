import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { k8sBinDir } from "@basalt/testkit";
import { cachedImage } from "../support/cached-image.ts";
import { busyboxArchive } from "./support/busybox-image.ts";
import { kubectlRunner, nodeReady, run, until } from "./support/kubectl.ts";

/**
 * `basaltctl cluster create` end to end, as a person runs it: the bundled CLI from dist/ makes a
 * 1 control-plane + 2 worker cluster of Basalt VMs (qemu TCG) in its own network namespace,
 * bootstraps it through the node API and waits for every Node Ready; then kubectl, a workload,
 * basaltctl from every node and `cluster list` are checked, and `cluster destroy` must leave no
 * namespace, process or file behind.
 */
const repo = join(import.meta.dirname, "../../..");
const basaltctl = join(repo, "dist/basaltctl.mjs");
const name = "e2ecl";

// biome-ignore lint/suspicious/noExplicitAny: basaltctl and Kubernetes JSON, checked field by field
type Json = any;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("basaltctl cluster create | list | destroy", { timeout: 3_600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "basalt-e2e-cluster-"));
  const stateDir = join(work, "clusters");
  const basaltconfig = join(work, "basaltconfig");
  const ctl = (args: readonly string[], timeoutMs = 180_000) =>
    run(
      [
        process.execPath,
        basaltctl,
        "--basaltconfig",
        basaltconfig,
        ...args,
        ...(args[0] === "cluster" ? ["--state-dir", stateDir] : []),
      ],
      timeoutMs,
    );
  let state: Json;
  let created = false;
  let destroyed = false;
  const kubeconfig = join(stateDir, name, "kubeconfig");

  before(async () => {
    const image = (await cachedImage((l) => console.log(`imager ${l}`), { profile: "kubernetes" })).dir;
    created = true;
    try {
      await ctl(["cluster", "create", "--name", name, "--workers", "2", "--image", image], 2_400_000);
    } catch (err) {
      const e = err as { stderr?: string };
      throw new Error(`cluster create failed:\n${e.stderr ?? (err as Error).message}`);
    }
    state = JSON.parse(readFileSync(join(stateDir, name, "cluster.json"), "utf8"));
  });

  after(async () => {
    // A failed case still leaves nothing running.
    if (created && !destroyed) await ctl(["cluster", "destroy", "--name", name], 180_000).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  });

  test("every Node is Ready: one control plane (tainted) and two workers", async () => {
    const kubectl = kubectlRunner(await k8sBinDir(), kubeconfig);
    const nodes = (await kubectl.json(["get", "nodes"])).items as Json[];
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), [`${name}-cp`, `${name}-w1`, `${name}-w2`]);
    for (const n of nodes) assert.equal(nodeReady(n), "True", `${n.metadata.name} Ready`);
    const cp = nodes.find((n) => n.metadata.name === `${name}-cp`);
    assert.ok(
      (cp.spec.taints ?? []).some((t: Json) => t.key === "node-role.kubernetes.io/control-plane"),
      "the control plane is not schedulable by default",
    );
    assert.equal(state.status, "ready");
    assert.ok(state.readySeconds > 0);
  });

  test("a workload runs on the workers", async () => {
    const kubectl = kubectlRunner(await k8sBinDir(), kubeconfig);
    const archive = join(work, "busybox.tar");
    writeFileSync(archive, busyboxArchive());
    await ctl(
      ["--context", name, "image", "import", archive, "-n", `${name}-w1,${name}-w2`, "--timeout", "300s"],
      600_000,
    );
    await kubectl.run(
      ["apply", "-f", "-"],
      60_000,
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: 2
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      containers:
        - name: web
          image: basalt.test/busybox:1.0
          imagePullPolicy: Never
          command: [sh, -c, 'echo "hello from $(hostname)"; sleep 3600']
`,
    );
    const pods = await until("2 hello pods Running", 900_000, async () => {
      const items = (await kubectl.json(["get", "pods", "-l", "app=hello"])).items as Json[];
      return items.length === 2 && items.every((p) => p.status.phase === "Running") ? items : undefined;
    });
    for (const p of pods) assert.match(p.spec.nodeName, new RegExp(`^${name}-w[12]$`));
    assert.match(await kubectl.run(["logs", pods[0].metadata.name]), /hello from hello-/);
  });

  test("basaltctl answers from every node through the cluster's context", async () => {
    const out = await ctl(["--context", name, "version", "-n", "all", "-o", "json", "--timeout", "60s"]);
    const answers = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(answers.map((a) => a.node).sort(), [`${name}-cp`, `${name}-w1`, `${name}-w2`]);
    for (const a of answers) assert.equal(a.error, undefined, `${a.node}: ${JSON.stringify(a.error)}`);
  });

  test("cluster list shows the cluster and its running nodes", async () => {
    const [c] = JSON.parse(await ctl(["cluster", "list", "-o", "json"]));
    assert.equal(c.name, name);
    assert.equal(c.status, "ready");
    assert.deepEqual(
      c.nodes.map((n: Json) => [n.name, n.role, n.running]),
      [
        [`${name}-cp`, "controlplane", true],
        [`${name}-w1`, "worker", true],
        [`${name}-w2`, "worker", true],
      ],
    );
    assert.match(
      await ctl(["cluster", "list"]),
      new RegExp(`${name}\\s+ready\\s+${name}-cp\\s+controlplane`),
    );
  });

  test("cluster destroy leaves no namespace, process or file behind", async () => {
    const pids = [state.host.pid, state.relay?.pid, ...state.nodes.map((n: Json) => n.qemu?.pid)].filter(
      Boolean,
    );
    assert.equal(pids.length, 5, "host, relay and three qemu were recorded");
    await ctl(["cluster", "destroy", "--name", name], 180_000);
    destroyed = true;
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} is gone`);
    assert.doesNotMatch(
      await run(["ip", "netns", "list"], 10_000),
      new RegExp(`^${state.namespace}\\b`, "m"),
    );
    assert.equal(existsSync(join(stateDir, name)), false, "the cluster directory is gone");
    assert.equal(existsSync(basaltconfig), false, "its context was the only one: the client config is gone");
    assert.deepEqual(JSON.parse(await ctl(["cluster", "list", "-o", "json"])), []);
  });
});
