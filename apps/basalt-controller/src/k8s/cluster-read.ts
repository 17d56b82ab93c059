import { upgradePlanPath } from "../crd/upgrade-plan-crd.ts";
import type { Kube } from "./kube-client.ts";
import {
  type NodeObject,
  type PdbObject,
  type PlanObject,
  type PodObject,
  toNode,
  toPdb,
  toPlan,
  toPod,
} from "./resources.ts";

/**
 * One-shot reads of what the planner needs, for basaltctl (preview, status) where a watch would be
 * wasted: paginated LISTs through the same trims as the controller's caches.
 */
async function listAll<T>(
  kube: Kube,
  path: string,
  transform: (raw: unknown) => T | undefined,
  fieldSelector?: string,
) {
  const out: T[] = [];
  let cont: string | undefined;
  do {
    const page = await kube.request<{ items: unknown[]; metadata: { continue?: string } }>({
      method: "GET",
      path,
      query: { limit: 500, continue: cont, fieldSelector },
    });
    for (const raw of page.items) {
      const obj = transform(raw);
      if (obj !== undefined) out.push(obj);
    }
    cont = page.metadata.continue || undefined;
  } while (cont);
  return out;
}

export interface ClusterObjects {
  nodes: NodeObject[];
  pods: PodObject[];
  pdbs: PdbObject[];
}

export async function readCluster(kube: Kube): Promise<ClusterObjects> {
  const [nodes, pods, pdbs] = await Promise.all([
    listAll(kube, "/api/v1/nodes", toNode),
    listAll(kube, "/api/v1/pods", toPod, "spec.nodeName!="),
    listAll(kube, "/apis/policy/v1/poddisruptionbudgets", toPdb),
  ]);
  return { nodes, pods, pdbs };
}

export async function readPlan(kube: Kube, name: string): Promise<PlanObject> {
  return toPlan(await kube.request({ method: "GET", path: `${upgradePlanPath}/${name}` }));
}
