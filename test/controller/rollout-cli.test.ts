import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { waitFor } from "@basalt/testkit";
import { stringify } from "yaml";
import { ControllerProcess } from "./support/controller-process.ts";
import { createPlan } from "./support/plans.ts";
import { repoRoot, type SimCluster, startSimCluster } from "./support/sim-cluster.ts";
import { createWorkload, type Workload, waitWorkloadsReady } from "./support/workloads.ts";

/**
 * basaltctl rollout preview and status against a real control plane: the order of canary and batches
 * before anything starts, the nodes a PDB that allows 0 disruptions would block (and why), and, once
 * the plan runs, "why is node X not upgrading?" per node.
 */
const workloads: Workload[] = [
  { namespace: "shop", name: "pinned", replicas: 2, pdb: { minAvailable: 2 } },
  { namespace: "shop", name: "web", replicas: 4, pdb: { maxUnavailable: 1 } },
];

const spec: UpgradePlanSpec = {
  target: { os: { version: "1.1.0", bundleUrl: "https://updates.example.test/basalt-1.1.0.bundle" } },
  nodeSelector: { matchLabels: { type: "kwok" } },
  budget: { maxUnavailable: 2, perZone: 1 },
  progression: { canary: 1, batchSize: 2 },
  drain: { timeoutSeconds: 600 },
  health: { readySeconds: 1 },
};

let cluster: SimCluster;
let controller: ControllerProcess;
let planFile: string;

function basaltctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, "apps", "basaltctl", "src", "main.ts"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

before(async () => {
  cluster = await startSimCluster({ nodes: 6, zones: ["zone-a", "zone-b"], installMs: 1000, rebootMs: 1000 });
  for (const w of workloads) await createWorkload(cluster.kube, w);
  await waitWorkloadsReady(cluster.kube, workloads.slice(1), 120_000);
  planFile = join(tmpdir(), `plan-${Date.now()}.yaml`);
  writeFileSync(
    planFile,
    stringify({ apiVersion: "basalt.dev/v1alpha1", kind: "UpgradePlan", metadata: { name: "cli" }, spec }),
  );
});

after(async () => {
  await controller?.kill("SIGTERM");
  await cluster?.stop();
});

interface PodList {
  items: { metadata: { labels?: Record<string, string> }; spec: { nodeName?: string } }[];
}

test("preview: canary first, then batches within the budget; PDB-blocked nodes say why", {
  timeout: 120_000,
}, async () => {
  const pods = await cluster.kube.request<PodList>({
    method: "GET",
    path: "/api/v1/namespaces/shop/pods",
    query: { labelSelector: "app=pinned" },
  });
  const pinnedNodes = new Set(pods.items.map((p) => p.spec.nodeName).filter(Boolean));
  assert.ok(pinnedNodes.size > 0);

  const json = await basaltctl([
    "rollout",
    "preview",
    "-f",
    planFile,
    "--kubeconfig",
    cluster.cp.kubeconfigPath,
    "-o",
    "json",
  ]);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout) as {
    waves: { wave: number; stage: string; nodes: string[] }[];
    nodes: { node: string; code: string; reason: string; action?: string }[];
  };
  assert.equal(out.waves[0]?.stage, "canary");
  assert.equal(out.waves[0]?.nodes.length, 1);
  assert.deepEqual(
    out.waves.flatMap((w) => w.nodes).sort(),
    [...cluster.nodes].sort(),
    "every node has a place in the order",
  );
  for (const w of out.waves.slice(1)) assert.ok(w.nodes.length <= 2, `wave ${w.wave} within the budget`);
  const blocked = out.nodes.filter((n) => n.code === "pdb");
  for (const n of blocked) {
    assert.ok(pinnedNodes.has(n.node), `${n.node} is blocked by a PDB it hosts`);
    assert.equal(n.reason, "waiting: PDB shop/pinned allows 0 disruptions");
  }

  const table = await basaltctl([
    "rollout",
    "preview",
    "-f",
    planFile,
    "--kubeconfig",
    cluster.cp.kubeconfigPath,
  ]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^NODE\s+ZONE\s+WAVE\s+STAGE\s+NOW/);
  assert.match(table.stderr, /plan cli: 6 node\(s\) in scope/);

  const bad = join(tmpdir(), `bad-${Date.now()}.yaml`);
  writeFileSync(bad, stringify({ ...spec, budget: { maxUnavailable: "lots" } }));
  const refused = await basaltctl([
    "rollout",
    "preview",
    "-f",
    bad,
    "--kubeconfig",
    cluster.cp.kubeconfigPath,
  ]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /budget\.maxUnavailable: expected a whole number/);
});

test("status: per-node phase and reason, filtered by --node and --blocked", {
  timeout: 240_000,
}, async () => {
  await createPlan(cluster.kube, "cli", spec);
  controller = new ControllerProcess({
    kubeconfig: cluster.controllerKubeconfig,
    identity: "cli-controller",
    logDir: join(tmpdir(), `basalt-controller-cli-${Date.now()}`),
  });
  controller.start();
  const pods = await cluster.kube.request<PodList>({
    method: "GET",
    path: "/api/v1/namespaces/shop/pods",
    query: { labelSelector: "app=pinned" },
  });
  const pinned = pods.items.map((p) => p.spec.nodeName!).sort()[0]!;

  // Every other node finishes; the ones hosting "pinned" wait on its PDB.
  const status = await waitFor(
    async () => {
      const r = await basaltctl([
        "rollout",
        "status",
        "cli",
        "--kubeconfig",
        cluster.cp.kubeconfigPath,
        "-o",
        "json",
      ]);
      if (r.code !== 0) throw new Error(r.stderr);
      const s = JSON.parse(r.stdout) as { nodes: { node: string; status: string; code: string }[] };
      const others = s.nodes.filter((n) => n.code !== "pdb");
      return others.length > 0 && others.every((n) => n.status === "done") ? s : false;
    },
    180_000,
    "every node not held by the PDB to be done",
    { intervalMs: 2000 },
  );
  assert.ok(status.nodes.some((n) => n.node === pinned && n.code === "pdb"));

  const one = await basaltctl([
    "rollout",
    "status",
    "cli",
    "--node",
    pinned,
    "--kubeconfig",
    cluster.cp.kubeconfigPath,
  ]);
  assert.equal(one.code, 0, one.stderr);
  const lines = one.stdout.trim().split("\n");
  assert.equal(lines.length, 2, one.stdout);
  assert.match(lines[1]!, new RegExp(`^${pinned}\\s.*waiting: PDB shop/pinned allows 0 disruptions`));

  const blocked = await basaltctl([
    "rollout",
    "status",
    "cli",
    "--blocked",
    "--kubeconfig",
    cluster.cp.kubeconfigPath,
    "-o",
    "yaml",
  ]);
  assert.equal(blocked.code, 0, blocked.stderr);
  assert.match(blocked.stdout, /code: pdb/);
  assert.doesNotMatch(blocked.stdout, /status: done/);

  const missing = await basaltctl(["rollout", "status", "nope", "--kubeconfig", cluster.cp.kubeconfigPath]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no UpgradePlan "nope"/);
});
