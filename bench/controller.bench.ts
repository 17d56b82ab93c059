import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { UpgradePlanSpec } from "@basalt/rollout";
import { annotationKeys } from "@basalt/rollout";
import { freePort, mib, processMemory, waitFor } from "@basalt/testkit";
import { build } from "esbuild";
import { ControllerProcess } from "../test/controller/support/controller-process.ts";
import { condition, createPlan, getPlan } from "../test/controller/support/plans.ts";
import { startSimCluster } from "../test/controller/support/sim-cluster.ts";
import { printTable } from "./stats.ts";

/**
 * basalt-controller at scale (issue 6): BENCH_CTRL_NODES kwok nodes (SIMULATED Basalt nodes, default
 * 1000), maxUnavailable 10%, a simulated node cycle of BENCH_CTRL_CYCLE_S seconds (half installing,
 * half rebooting; default 30), no canary, no soak, no readiness wait.
 * - makespan (plan created → last node done) against its baseline, the ideal ceil(N / budget) × T:
 *   what a perfect scheduler with zero overhead would take (goal ≤ 1.10);
 * - the controller process's RSS, sampled every 500 ms (goal ≤ 150 MB);
 * - apiserver requests per node upgraded, from the apiserver's own apiserver_request_total, with the
 *   background (kwok's leases and heartbeats, measured for 30 s before the plan) taken out, and the
 *   controller's own count next to it.
 * The machine may be shared: the load average is printed.
 */
const nodes = Number(process.env.BENCH_CTRL_NODES ?? 1000);
const cycleS = Number(process.env.BENCH_CTRL_CYCLE_S ?? 30);
const budgetPct = 10;

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (1, 5, 15 min)`,
);

type Counts = Map<string, number>;

async function apiserverRequests(get: () => Promise<string>): Promise<Counts> {
  const text = await get();
  const counts: Counts = new Map();
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = line.slice(line.indexOf("{") + 1, line.lastIndexOf("}"));
    const l = Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const key = `${l.verb} ${l.resource}${l.subresource ? `/${l.subresource}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return counts;
}

const total = (c: Counts) => [...c.values()].reduce((a, b) => a + b, 0);
const diff = (a: Counts, b: Counts): Counts =>
  new Map([...b].map(([k, v]) => [k, v - (a.get(k) ?? 0)] as [string, number]).filter(([, v]) => v > 0));

// Measure the controller as it ships: one esbuild bundle (as scripts/build.ts bundles basaltctl), not
// TypeScript loaded through type stripping, which alone costs about 20 MB of RSS.
const bundleDir = join(tmpdir(), `basalt-controller-bundle-${Date.now()}`);
const entry = join(bundleDir, "basalt-controller.mjs");
await build({
  entryPoints: [join(import.meta.dirname, "..", "apps", "basalt-controller", "src", "main.ts")],
  outfile: entry,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});

const started = performance.now();
const cluster = await startSimCluster({
  nodes,
  zones: ["zone-a", "zone-b", "zone-c", "zone-d"],
  installMs: (cycleS * 1000) / 2,
  rebootMs: (cycleS * 1000) / 2,
  kwokParallelism: 8,
});
console.log(`${nodes} kwok nodes Ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
const metricsPort = await freePort();
const controller = new ControllerProcess({
  kubeconfig: cluster.controllerKubeconfig,
  identity: "bench",
  logDir: join(tmpdir(), `basalt-controller-bench-${Date.now()}`),
  metricsPort,
  entry,
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
});
try {
  controller.start();
  const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  await waitFor(
    async () => /basalt_controller_leader 1/.test(await scrape()),
    60_000,
    "the controller to lead",
  );
  // The apiserver answers /metrics as text; the client parses JSON, so read it raw.
  const rawMetrics = async () => {
    const { request } = await import("node:https");
    const e = cluster.kube.endpoint;
    return new Promise<string>((resolve, reject) => {
      const u = new URL(e.server);
      const r = request(
        { host: u.hostname, port: u.port, path: "/metrics", ca: e.ca, cert: e.cert, key: e.key },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (body += d));
          res.on("end", () => resolve(body));
        },
      );
      r.on("error", reject);
      r.end();
    });
  };
  // Background: what the apiserver serves with nobody rolling anything (kwok's leases and heartbeats,
  // the controller-manager), once the burst of registering the nodes is over.
  await sleep(30_000);
  const idleFrom = await apiserverRequests(rawMetrics);
  const idleStart = performance.now();
  await sleep(30_000);
  const idleTo = await apiserverRequests(rawMetrics);
  const idle = diff(idleFrom, idleTo);
  const idleSeconds = (performance.now() - idleStart) / 1000;

  const pid = controller.pid!;
  let peak = 0;
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    try {
      const m = processMemory(pid);
      rssSamples.push(m.rssBytes);
      peak = Math.max(peak, m.rssBytes);
    } catch {}
  }, 500);

  const spec: UpgradePlanSpec = {
    target: { os: { version: "2.0.0", bundleUrl: "https://updates.example.test/basalt-2.0.0.bundle" } },
    nodeSelector: { matchLabels: { type: "kwok" } },
    budget: { maxUnavailable: `${budgetPct}%` },
    progression: { canary: 0 },
    health: {
      readySeconds: 0,
      notReadyTimeoutSeconds: 600,
      upgradeTimeoutSeconds: 600,
      verifyTimeoutSeconds: 600,
    },
    failure: { maxFailed: 0 },
  };
  const before = await apiserverRequests(rawMetrics);
  const ownBefore = await scrape();
  const t0 = Date.now();
  const t0mono = performance.now();
  await createPlan(cluster.kube, "bench", spec);
  await waitFor(
    async () => condition(await getPlan(cluster.kube, "bench"), "Complete")?.status === "True",
    Math.max(1_800_000, cycleS * 1000 * 40),
    "the rollout to complete",
    { intervalMs: 2000 },
  );
  const elapsedWall = (performance.now() - t0mono) / 1000;
  clearInterval(sampler);
  const after = await apiserverRequests(rawMetrics);
  const own = await scrape();

  const list = await cluster.kube.request<{
    items: { metadata: { annotations?: Record<string, string> } }[];
  }>({
    method: "GET",
    path: "/api/v1/nodes",
  });
  const doneAt = Math.max(
    ...list.items.map((n) => Date.parse(n.metadata.annotations?.[annotationKeys.since] ?? "") || 0),
  );
  const makespan = (doneAt - t0) / 1000;
  const budget = Math.max(1, Math.floor((nodes * budgetPct) / 100));
  const ideal = Math.ceil(nodes / budget) * cycleS;
  const delta = diff(before, after);
  const rollout = total(delta);
  // kwok renews every node's Lease (PUT leases) whatever happens: a heartbeat, not rollout work. The
  // rest of the idle rate (node status, controller-manager) is taken out at the rate measured idle.
  const leases = (c: Counts) => (c.get("PUT leases") ?? 0) + (c.get("GET leases") ?? 0);
  const backgroundPerSecond = (total(idle) - leases(idle)) / idleSeconds;
  const attributable = rollout - leases(delta) - backgroundPerSecond * elapsedWall;
  const ownCount = (text: string) =>
    [...text.matchAll(/^basalt_controller_kube_requests\{verb="(\w+)"\} (\d+)/gm)].reduce(
      (a, m) => a + Number(m[2]),
      0,
    );
  const ownRequests = ownCount(own) - ownCount(ownBefore);
  const phases = [
    ...own.matchAll(/^basalt_upgrade_phase_duration_seconds_(sum|count)\{phase="(\w+)"\} ([\d.e+-]+)/gm),
  ];
  const phaseRows = [...new Set(phases.map((m) => m[2]!))].map((phase) => {
    const sum = Number(phases.find((m) => m[2] === phase && m[1] === "sum")?.[3] ?? 0);
    const count = Number(phases.find((m) => m[2] === phase && m[1] === "count")?.[3] ?? 1);
    return { phase, nodes: count, "mean s": (sum / count).toFixed(2) };
  });

  printTable(
    `rollout of ${nodes} simulated nodes, maxUnavailable ${budgetPct}% (${budget}), node cycle T = ${cycleS} s`,
    [
      { measure: "makespan (plan created → last node done)", value: `${makespan.toFixed(1)} s` },
      {
        measure: `baseline: ideal ceil(N / budget) × T = ${Math.ceil(nodes / budget)} × ${cycleS}`,
        value: `${ideal} s`,
      },
      { measure: "ratio makespan / ideal (goal ≤ 1.10)", value: (makespan / ideal).toFixed(3) },
      {
        measure: "controller RSS peak / median (goal ≤ 150 MB)",
        value: `${mib(peak)} / ${mib(rssSamples.sort((a, b) => a - b)[rssSamples.length >> 1] ?? 0)} MiB`,
      },
      { measure: "apiserver requests during the rollout (all clients)", value: rollout.toFixed(0) },
      { measure: "  of which kwok's Lease renewals (node heartbeats)", value: leases(delta).toFixed(0) },
      {
        measure: `  other background, at the idle rate (${backgroundPerSecond.toFixed(1)}/s)`,
        value: (backgroundPerSecond * elapsedWall).toFixed(0),
      },
      {
        measure: "apiserver requests per node upgraded (all clients, net)",
        value: (attributable / nodes).toFixed(2),
      },
      { measure: "  of which the controller's own, per node", value: (ownRequests / nodes).toFixed(2) },
    ],
  );
  printTable(
    "apiserver requests during the rollout by verb and resource (top 10)",
    [...delta]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k, v]) => ({ request: k, count: v.toFixed(0), "per node": (v / nodes).toFixed(2) })),
  );
  if (phaseRows.length)
    printTable("time per phase (controller's basalt_upgrade_phase_duration_seconds)", phaseRows);
  const metric = (text: string, name: string) =>
    Number(new RegExp(`^${name} ([\\d.e+-]+)`, "m").exec(text)?.[1] ?? 0);
  const delta1 = (name: string) => metric(own, name) - metric(ownBefore, name);
  const passes = delta1("basalt_controller_pass_duration_seconds_count");
  const cpu = delta1("process_cpu_seconds_total");
  printTable("controller passes and CPU during the rollout", [
    {
      passes,
      "mean pass ms": (
        (delta1("basalt_controller_pass_duration_seconds_sum") / Math.max(1, passes)) *
        1000
      ).toFixed(1),
      "CPU s": cpu.toFixed(1),
      "% of one core": ((cpu / elapsedWall) * 100).toFixed(0),
    },
  ]);
} finally {
  await controller.kill("SIGTERM");
  await cluster.stop();
}
