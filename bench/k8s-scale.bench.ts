import { loadavg } from "node:os";
import {
  type ControlPlane,
  mib,
  type NodeScaleResult,
  processMemory,
  startControlPlane,
  startKwok,
  timeKwokNodes,
} from "@basalt/testkit";
import { median, printTable } from "./stats.ts";

/**
 * Kubernetes benchmarks (issue 5), each against a baseline measured in the same run:
 * - control-plane start-up (etcd, apiserver, controller-manager, scheduler until workloads can
 *   run), median of BENCH_K8S_STARTS runs, split into its phases;
 * - kwok Nodes registered and Ready: BENCH_K8S_NODES sizes (default 10 then 1000), each on a fresh
 *   control plane, reported per Node against the first size (linear scaling would be 1.00), with
 *   the apiserver's RSS before and after.
 * The machine may be shared: the load average at the start is printed next to the figures.
 */
const starts = Number(process.env.BENCH_K8S_STARTS ?? 3);
const sizes = (process.env.BENCH_K8S_NODES ?? "10,1000").split(",").map(Number);
const rssOf = (cp: ControlPlane, name: string) => processMemory(cp.component(name)!.pid!).rssBytes;

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (1, 5, 15 min)`,
);

const timings: { pki: number; apiserverReady: number; total: number; stop: number }[] = [];
for (let i = 0; i < starts; i++) {
  const cp = await startControlPlane();
  const t = performance.now();
  await cp.stop();
  timings.push({ ...cp.timings, stop: performance.now() - t });
}
const m = (k: keyof (typeof timings)[number]) => median(timings.map((x) => x[k]));
printTable(`control-plane start-up, median of ${starts} (ms since startControlPlane was called)`, [
  { phase: "PKI, kubeconfigs", ms: m("pki").toFixed(0) },
  { phase: "kube-apiserver /readyz", ms: m("apiserverReady").toFixed(0) },
  { phase: "controller-manager, scheduler healthy; default SA (total)", ms: m("total").toFixed(0) },
  { phase: "stop() (all processes, temp dir)", ms: m("stop").toFixed(0) },
]);

const rows: Record<string, string | number>[] = [];
let base: NodeScaleResult | undefined;
for (const count of sizes) {
  await using cp = await startControlPlane();
  await startKwok(cp);
  const idle = rssOf(cp, "kube-apiserver");
  const r = await timeKwokNodes(cp, count, { zones: ["zone-a", "zone-b", "zone-c"] });
  base ??= r;
  const perNode = r.readyMs / count;
  rows.push({
    nodes: count,
    "created ms": r.createMs.toFixed(0),
    "all Ready ms": r.readyMs.toFixed(0),
    "ms/Node": perNode.toFixed(1),
    [`per-Node ratio to ${base.count}`]: (perNode / (base.readyMs / base.count)).toFixed(2),
    "apiserver RSS MiB idle→Ready": `${mib(idle)} → ${mib(r.apiserverRssBytes)}`,
    "etcd / kcm / kwok RSS MiB": ["etcd", "kube-controller-manager", "kwok"]
      .map((c) => mib(rssOf(cp, c)))
      .join(" / "),
  });
}
printTable("kwok Nodes registered and Ready, each size on a fresh control plane", rows);
