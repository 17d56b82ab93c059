/**
 * Kubernetes node figures under TCG: for N fresh clusters (a control plane in a network namespace and
 * one Basalt worker VM of the `kubernetes` image), qemu start → the node API answering, and qemu
 * start → the apiserver reporting the Node Ready, each the median of N first boots, side by side.
 * Usage: node bench/node-ready.ts [--runs 3]   (needs npm run build and `scripts/setup.sh --all`; root)
 */
import { parseArgs } from "node:util";
import { nodeReady, until } from "../test/e2e/kubernetes/support/kubectl.ts";
import { startK8sLab } from "../test/e2e/kubernetes/support/lab.ts";
import { median, printTable } from "./stats.ts";

const { values } = parseArgs({ options: { runs: { type: "string" } } });
const runs = Number(values.runs ?? 3);
const rows: Record<string, string>[] = [];
const api: number[] = [];
const ready: number[] = [];
for (let i = 1; i <= runs; i++) {
  const lab = await startK8sLab({ workers: [{ name: "w1" }], log: () => {} });
  try {
    const w = lab.worker("w1");
    await until("Node w1 Ready", 900_000, async () => {
      const n = await lab.kubectl.json(["get", "node", "w1", "--ignore-not-found"]).catch(() => undefined);
      return n && nodeReady(n) === "True" ? n : undefined;
    });
    const a = w.apiReadySeconds() ?? Number.NaN;
    const r = w.nodeReadySeconds() ?? w.secondsSinceBoot();
    api.push(a);
    ready.push(r);
    rows.push({ run: String(i), "API ready": `${a.toFixed(1)} s`, "Node Ready": `${r.toFixed(1)} s` });
  } finally {
    await lab.stop();
  }
}
printTable("boot of a fresh worker VM (qemu TCG, 1 vCPU, 1.5 GiB), seconds from qemu start", rows);
const mApi = median(api);
const mReady = median(ready);
console.log(
  `median of ${runs}: API ready ${mApi.toFixed(1)} s, Node Ready ${mReady.toFixed(1)} s (${(mReady / mApi).toFixed(2)}× of API ready; the difference is containerd, the pause import, the join check, kubelet's TLS bootstrap and its first status)`,
);
