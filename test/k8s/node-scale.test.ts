/**
 * Smoke test: kwok Nodes at some scale register and become Ready against a real control plane;
 * reports how long it took and the apiserver's memory. 100 Nodes here, to keep the suite fast;
 * bench/k8s-scale.bench.ts measures 1000 against a 10-Node baseline.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { listAll } from "@basalt/kube";
import { mib, timeKwokNodes, useControlPlane } from "@basalt/testkit";

const count = Number(process.env.K8S_SMOKE_NODES ?? 100);
const cluster = useControlPlane({ kwok: true });

test(`${count} kwok Nodes register and become Ready`, async (t) => {
  const cp = cluster();
  const r = await timeKwokNodes(cp, count, {
    namePrefix: "scale-",
    zones: ["zone-a", "zone-b", "zone-c"],
    timeoutMs: 120_000,
  });
  t.diagnostic(
    `${count} Nodes: created in ${r.createMs.toFixed(0)} ms, all Ready after ${r.readyMs.toFixed(0)} ms; ` +
      `kube-apiserver RSS ${mib(r.apiserverRssBytes)} MiB (peak ${mib(r.apiserverPeakRssBytes)} MiB); ` +
      `control plane started in ${cp.timings.total.toFixed(0)} ms`,
  );
  const nodes = await listAll(
    cp.kube,
    { path: "/api/v1/nodes", labelSelector: "type=kwok" },
    (raw) =>
      raw as {
        metadata: { labels?: Record<string, string> };
        status?: { nodeInfo?: { kubeletVersion?: string } };
      },
  );
  assert.equal(nodes.length, count);
  const zones = Map.groupBy(nodes, (n) => n.metadata?.labels?.["topology.kubernetes.io/zone"]);
  assert.deepEqual([...zones.keys()].sort(), ["zone-a", "zone-b", "zone-c"]);
  assert.ok(nodes.every((n) => n.status?.nodeInfo?.kubeletVersion?.startsWith("kwok-")));
  // Like a kubelet, kwok keeps a Lease per Node in kube-node-lease (its heartbeat).
  const leases = await listAll(
    cp.kube,
    { path: "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases" },
    (raw) => (raw as { metadata: { name: string } }).metadata.name,
  );
  assert.equal(leases.filter((name) => name.startsWith("scale-")).length, count);
});
