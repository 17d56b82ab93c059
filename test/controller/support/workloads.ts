import type { KubeClient } from "@basalt/kube";
import { hasStatus } from "@basalt/kube";
import { waitFor } from "@basalt/testkit";

/**
 * Workloads for rollout tests: Deployments on the kwok nodes (spread over them), each guarded by a
 * PodDisruptionBudget, so drains have something to respect.
 */
export interface Workload {
  namespace: string;
  name: string;
  replicas: number;
  /** The PDB: minAvailable or maxUnavailable. */
  pdb: { minAvailable: number } | { maxUnavailable: number };
}

export async function createWorkload(kube: KubeClient, w: Workload): Promise<void> {
  try {
    await kube.request({
      method: "POST",
      path: "/api/v1/namespaces",
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name: w.namespace } },
    });
  } catch (err) {
    if (!hasStatus(err, 409)) throw err;
  }
  const labels = { app: w.name };
  await kube.request({
    method: "POST",
    path: `/apis/apps/v1/namespaces/${w.namespace}/deployments`,
    body: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: w.name, namespace: w.namespace },
      spec: {
        replicas: w.replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            nodeSelector: { type: "kwok" },
            terminationGracePeriodSeconds: 0,
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: labels },
              },
            ],
            containers: [{ name: "app", image: "registry.invalid/app:1" }],
          },
        },
      },
    },
  });
  await kube.request({
    method: "POST",
    path: `/apis/policy/v1/namespaces/${w.namespace}/poddisruptionbudgets`,
    body: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: w.name, namespace: w.namespace },
      spec: { ...w.pdb, selector: { matchLabels: labels } },
    },
  });
}

interface PodList {
  items: {
    metadata: { labels?: Record<string, string>; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

export function readyPods(list: PodList, app: string): number {
  return list.items.filter(
    (p) =>
      p.metadata.labels?.app === app &&
      !p.metadata.deletionTimestamp &&
      p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  ).length;
}

/** Waits until every workload has all its replicas Ready and its PDB allows a disruption. */
export async function waitWorkloadsReady(
  kube: KubeClient,
  workloads: readonly Workload[],
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    async () => {
      for (const w of workloads) {
        const pods = await kube.request<PodList>({
          method: "GET",
          path: `/api/v1/namespaces/${w.namespace}/pods`,
        });
        if (readyPods(pods, w.name) < w.replicas) return false;
        const pdb = await kube.request<{ status?: { disruptionsAllowed?: number } }>({
          method: "GET",
          path: `/apis/policy/v1/namespaces/${w.namespace}/poddisruptionbudgets/${w.name}`,
        });
        if ((pdb.status?.disruptionsAllowed ?? 0) < 1) return false;
      }
      return true;
    },
    timeoutMs,
    "workloads Ready",
    { intervalMs: 500 },
  );
}
