import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServiceSnapshot } from "../supervisor/service-runner.ts";
import type { KubeNodeHost } from "./kube-node-ports.ts";
import { type KubeNodeDeps, kubePhases, runKubePhases } from "./kubernetes-phases.ts";
import { kubeletClientCert, kubeNodePaths } from "./node-paths.ts";
import { k8sConfig } from "./test-support/k8s-fixture.ts";

/** A machine where everything works unless told otherwise; records what the phases did, in order. */
function fakeNode(
  options: {
    missingModules?: string[];
    joinOk?: boolean;
    importFails?: boolean;
    containerdHealthyAfter?: number;
  } = {},
) {
  const log: string[] = [];
  const files = new Map<string, { text: string; mode: number }>();
  const started = new Set<string>();
  let containerdPolls = 0;
  const host: KubeNodeHost = {
    async listedModules() {
      return ["nf_conntrack_netlink", "overlay"];
    },
    async loadModules(names) {
      log.push(`modules ${names.join(" ")}`);
      const missing = options.missingModules ?? [];
      return { loaded: names.filter((n) => !missing.includes(n)), present: [], missing, failed: [] };
    },
    async setSysctl(name, value) {
      log.push(`sysctl ${name}=${value}`);
    },
    async cgroupControllers() {
      return ["cpuset", "cpu", "io", "memory", "pids"];
    },
    async enableCgroupControllers(names) {
      log.push(`cgroups +${names.join(" +")}`);
    },
    async writeFile(path, text, mode) {
      files.set(path, { text, mode });
    },
    async mkdirp() {},
    async exists(path) {
      // kubelet's client certificate appears once kubelet runs (its TLS bootstrap).
      if (path === kubeletClientCert(kubeNodePaths)) return started.has("kubelet");
      return files.has(path);
    },
    async ensureSymlink(target, path) {
      log.push(`symlink ${path} -> ${target}`);
    },
    async sleep() {},
  };
  const snapshot = (name: string): ServiceSnapshot => {
    let healthy = started.has(name);
    if (name === "containerd" && healthy) healthy = ++containerdPolls > (options.containerdHealthyAfter ?? 0);
    return {
      name,
      state: started.has(name) ? "running" : "stopped",
      pid: 0,
      restarts: 0,
      health: healthy ? "healthy" : "unknown",
      healthMessage: "",
      since: new Date(),
      events: [],
    };
  };
  const reports: string[] = [];
  const deps: KubeNodeDeps = {
    k8s: k8sConfig(),
    nodeName: "w1",
    paths: kubeNodePaths,
    host,
    services: {
      start(name) {
        log.push(`start ${name}`);
        started.add(name);
      },
      snapshot,
    },
    images: {
      async importPinned(path) {
        log.push(`import ${path}`);
        if (options.importFails) throw new Error(`${path} is not an image archive`);
        return ["registry.k8s.io/pause:3.10.1"];
      },
    },
    joinCheck: async () =>
      options.joinOk === false
        ? {
            ok: false,
            message: "the apiserver rejected the bootstrap token abcdef.<redacted> (401 Unauthorized)",
          }
        : { ok: true, message: "accepted" },
    report: (subject, message) => reports.push(`[${subject}] ${message}`),
    healthWaitMs: 1000,
    joinCheckWindowMs: 0,
    pollMs: 0,
  };
  return { deps, log, files, reports };
}

test("Kubernetes comes up in dependency order: kernel, cgroups, files, containerd, pause, kubelet, kube-proxy", async () => {
  const node = fakeNode({ containerdHealthyAfter: 3 });
  const results = await runKubePhases(node.deps);
  assert.deepEqual(
    results.map((r) => r.phase),
    kubePhases.map((p) => p.name),
  );
  assert.ok(
    results.every((r) => r.ok),
    JSON.stringify(results),
  );
  const order = node.log.filter((l) => /^(modules|sysctl net.bridge|cgroups|start|import)/.test(l));
  assert.match(
    order[0] ?? "",
    /^modules overlay .*nf_conntrack_netlink$/,
    "the image's list is loaded too, once",
  );
  assert.equal(order[0]?.split(" ").filter((m) => m === "overlay").length, 1);
  const at = (s: string) => node.log.findIndex((l) => l.startsWith(s));
  assert.ok(
    at("modules") < at("sysctl net.bridge.bridge-nf-call-iptables=1"),
    "net.bridge.* needs br_netfilter first",
  );
  assert.ok(at("sysctl net.ipv4.ip_forward=1") < at("cgroups"));
  assert.ok(at("cgroups") < at("start containerd"));
  assert.ok(at("start containerd") < at("import /usr/share/basalt/images/pause-3.10.1.tar"));
  assert.ok(at("import") < at("start kubelet"));
  assert.ok(at("start kubelet") < at("start kube-proxy"));
  assert.ok(node.log.includes("cgroups +cpuset +cpu +io +memory +pids"));
  assert.ok(node.files.has("/run/basalt/kubernetes/containerd.toml"));
  assert.equal(node.files.get("/run/basalt/kubernetes/bootstrap.kubeconfig")?.mode, 0o600);
  assert.ok(
    node.reports.some(
      (r) => r.startsWith("[cgroups] cgroup v2, delegated") && r.includes("kernel lacks hugetlb"),
    ),
  );
});

test("a missing module, a failed import and a rejected token are reported, and the node keeps going", async () => {
  const node = fakeNode({ missingModules: ["nft_compat"], importFails: true, joinOk: false });
  const results = await runKubePhases(node.deps);
  const failed = Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.phase, r.summary]));
  assert.match(failed.modules ?? "", /missing from the kernel: nft_compat/);
  assert.match(failed["pause-image"] ?? "", /is not an image archive/);
  assert.match(failed["join-check"] ?? "", /rejected the bootstrap token abcdef\.<redacted>/);
  assert.ok(
    node.reports.includes(
      "[join-check] problem: the apiserver rejected the bootstrap token abcdef.<redacted> (401 Unauthorized)",
    ),
  );
  assert.ok(
    node.log.includes("start kubelet"),
    "kubelet still starts (and retries) so the node can join once fixed",
  );
});

test("an essential phase is retried until it passes", async () => {
  const node = fakeNode();
  let tries = 0;
  const flaky = {
    name: "flaky",
    essential: true,
    async run() {
      if (++tries < 3) throw new Error("not yet");
      return "ok";
    },
  };
  const results = await runKubePhases(node.deps, [flaky], 0);
  assert.deepEqual(results, [{ phase: "flaky", ok: true, summary: "ok" }]);
  assert.equal(node.reports.filter((r) => r.includes("failed (attempt")).length, 2);
});

test("a node that joined before does not check the token again", async () => {
  const node = fakeNode({ joinOk: false });
  await node.deps.host.writeFile(kubeNodePaths.kubeletKubeconfig, "x", 0o600);
  const results = await runKubePhases(node.deps);
  assert.match(results.find((r) => r.phase === "join-check")?.summary ?? "", /joined on an earlier boot/);
});

test("the join check looks again while the control plane comes up", async () => {
  const node = fakeNode();
  let calls = 0;
  node.deps.joinCheck = async () =>
    ++calls < 3
      ? { ok: false, message: "cannot reach the apiserver (ECONNREFUSED)" }
      : { ok: true, message: "accepted" };
  node.deps.joinCheckWindowMs = 60_000;
  const results = await runKubePhases(node.deps);
  assert.equal(results.find((r) => r.phase === "join-check")?.ok, true);
  assert.equal(calls, 3);
  assert.ok(node.reports.includes("[join-check] waiting: cannot reach the apiserver (ECONNREFUSED)"));
});
