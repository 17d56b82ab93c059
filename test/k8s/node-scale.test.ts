/**
 * Smoke test: kwok Nodes at some scale register and become Ready against a real control plane;
 * reports how long it took and the apiserver's memory. 100 Nodes here, to keep the suite fast;
 * bench/k8s-scale.bench.ts measures 1000 against a 10-Node baseline.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mib, timeKwokNodes, useControlPlane } from "@basalt/testkit";
import { CoordinationV1Api, CoreV1Api } from "@kubernetes/client-node";

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
  const nodes = (await cp.kubeConfig.makeApiClient(CoreV1Api).listNode({ labelSelector: "type=kwok" })).items;
  assert.equal(nodes.length, count);
  const zones = Map.groupBy(nodes, (n) => n.metadata?.labels?.["topology.kubernetes.io/zone"]);
  assert.deepEqual([...zones.keys()].sort(), ["zone-a", "zone-b", "zone-c"]);
  assert.ok(nodes.every((n) => n.status?.nodeInfo?.kubeletVersion?.startsWith("kwok-")));
  // Like a kubelet, kwok keeps a Lease per Node in kube-node-lease (its heartbeat).
  const leases = await cp.kubeConfig
    .makeApiClient(CoordinationV1Api)
    .listNamespacedLease({ namespace: "kube-node-lease" });
  assert.equal(leases.items.filter((l) => l.metadata?.name?.startsWith("scale-")).length, count);
});
