/**
 * Smoke test: cordon and Eviction API against a real control plane, with kwok Nodes.
 * 3 Nodes, a Deployment of 4 replicas spread over them, a PodDisruptionBudget with minAvailable 3.
 * Draining the Node with two of the Pods: the first eviction succeeds, the second is refused with
 * 429 (the budget) until the first Pod's replacement is Ready elsewhere, then it succeeds too.
 * Pods take 2 s to become Ready, so "until the replacement is Ready" is a window measured, not a race.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { cordonNode, type EvictionResult, evictPod, listAll } from "@basalt/kube";
import {
  createKwokNodes,
  kwokPodReadyDelayAnnotation,
  useControlPlane,
  waitFor,
  waitForNodesReady,
} from "@basalt/testkit";

const cluster = useControlPlane({ kwok: true });
const ns = "drain";
const app = "web";
const readyDelay = "2s";

/** The fields of a Pod this test reads. */
interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

const isReady = (p: Pod) =>
  !p.metadata?.deletionTimestamp &&
  (p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false);

test("evictions through the Eviction API honour a PodDisruptionBudget (minAvailable 3 of 4)", async (t) => {
  const cp = cluster();
  const kube = cp.kube;
  const get = <T>(path: string) => kube.request<T>({ method: "GET", path });
  const create = (path: string, body: unknown) => kube.request({ method: "POST", path, body });

  await create("/api/v1/namespaces", { metadata: { name: ns } });
  const nodes = await createKwokNodes(cp, 3, {
    namePrefix: "drain-node-",
    zones: ["zone-a", "zone-b", "zone-c"],
  });
  await waitForNodesReady(cp, nodes, 30_000, { schedulable: true });
  await waitFor(
    () => get(`/api/v1/namespaces/${ns}/serviceaccounts/default`),
    30_000,
    "ServiceAccount drain/default",
  );

  await create(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name: app },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app } },
      template: {
        // Pods take 2 s to become Ready (a realistic start-up; kwok would make them Ready at
        // once): the window in which the budget is spent and must refuse the second eviction.
        metadata: { labels: { app }, annotations: { [kwokPodReadyDelayAnnotation]: readyDelay } },
        spec: {
          containers: [{ name: app, image: "registry.invalid/web:1" }],
          terminationGracePeriodSeconds: 0,
          // Spread by Node; a cordoned (tainted) Node stops counting as a place to spread to, so
          // the drained Node's Pods can all be replaced on the other two.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "DoNotSchedule",
              nodeTaintsPolicy: "Honor",
              labelSelector: { matchLabels: { app } },
            },
          ],
        },
      },
    },
  });
  await create(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, {
    metadata: { name: app },
    spec: { minAvailable: 3, selector: { matchLabels: { app } } },
  });

  const pods = async () =>
    listAll(
      kube,
      { path: `/api/v1/namespaces/${ns}/pods`, labelSelector: `app=${app}` },
      (raw) => raw as Pod,
    );
  const original = await waitFor(
    async () => {
      const ready = (await pods()).filter(isReady);
      return ready.length === 4 ? ready : undefined;
    },
    60_000,
    "4 Ready pods",
  );
  const perNode = Map.groupBy(original, (p) => p.spec!.nodeName!);
  assert.deepEqual(
    [...perNode.values()].map((ps) => ps.length).sort(),
    [1, 1, 2],
    "spread 2/1/1 over 3 Nodes",
  );
  assert.ok(
    original.every((p) => p.status?.podIP?.startsWith("10.244.")),
    "kwok gave them pod IPs",
  );

  // The disruption controller (kube-controller-manager) fills the budget's status.
  await waitFor(
    async () => {
      const pdb = await get<{
        metadata: { generation: number };
        status?: { observedGeneration?: number; disruptionsAllowed?: number };
      }>(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${app}`);
      return (
        pdb.status?.observedGeneration === pdb.metadata.generation && pdb.status?.disruptionsAllowed === 1
      );
    },
    30_000,
    "PDB status: 1 disruption allowed",
  );

  const [drained, victims] = [...perNode.entries()].find(([, ps]) => ps.length === 2)!;
  const cordoned = (await cordonNode(kube, drained)) as { spec?: { unschedulable?: boolean } };
  assert.equal(cordoned.spec?.unschedulable, true);
  const read = await get<{ spec?: { unschedulable?: boolean } }>(`/api/v1/nodes/${drained}`);
  assert.equal(read.spec?.unschedulable, true);

  // A dry run asks without evicting: the budget allows one, so it would go.
  const [first, second] = victims.map((p) => p.metadata.name);
  assert.deepEqual(await evictPod(kube, ns, first!, { dryRun: true }), {
    outcome: "evicted",
    pod: `${ns}/${first}`,
  });
  assert.equal((await pods()).filter(isReady).length, 4, "a dry run evicts nothing");
  assert.deepEqual(await evictPod(kube, ns, first!), { outcome: "evicted", pod: `${ns}/${first}` });

  // Right after: the budget is spent (the apiserver decremented it), so the next one is refused.
  const attempts: { at: number; result: EvictionResult }[] = [];
  const started = performance.now();
  for (;;) {
    const result = await evictPod(kube, ns, second!);
    attempts.push({ at: performance.now() - started, result });
    if (result.outcome !== "blocked") break;
    assert.ok(performance.now() - started < 60_000, "still blocked after 60 s");
    await sleep(100);
  }
  const refused = attempts.filter((a) => a.result.outcome === "blocked");
  const last = attempts.at(-1)!;
  t.diagnostic(
    `second eviction: refused ${refused.length}× over ${last.at.toFixed(0)} ms, then ${last.result.outcome}`,
  );
  assert.ok(refused.length >= 1, "the second eviction must first be refused");
  const refusal = refused[0]!.result;
  assert.equal(refusal.outcome, "blocked");
  if (refusal.outcome === "blocked")
    assert.match(refusal.message, /disruption budget web needs 3 healthy pods/);
  assert.equal(last.result.outcome, "evicted", JSON.stringify(last.result));
  assert.ok(
    last.at >= 1500,
    `refused for ${last.at.toFixed(0)} ms: about the replacement's ${readyDelay} to Ready`,
  );

  // It went through only because the first Pod's replacement became Ready on another Node.
  const now = await pods();
  const replacements = now.filter(
    (p) => !original.some((o) => o.metadata.name === p.metadata.name) && isReady(p),
  );
  assert.ok(replacements.length >= 1, "a replacement is Ready");
  assert.ok(
    replacements.every((p) => p.spec?.nodeName !== drained),
    "nothing lands on the cordoned Node",
  );

  // And the Deployment ends up whole again, off the drained Node.
  await waitFor(
    async () => {
      const ready = (await pods()).filter(isReady);
      return ready.length === 4 && ready.every((p) => p.spec?.nodeName !== drained);
    },
    60_000,
    "4 Ready pods, none on the drained Node",
  );
});
