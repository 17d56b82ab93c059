import { type Kube, listAll } from "@basalt/kube";
import { upgradePlanPath } from "../crd/upgrade-plan-crd.ts";
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
export interface ClusterObjects {
  nodes: NodeObject[];
  pods: PodObject[];
  pdbs: PdbObject[];
}

/** Nodes, scheduled Pods and PDBs, each trimmed as the controller caches them. */
export async function readCluster(kube: Kube): Promise<ClusterObjects> {
  const [nodes, pods, pdbs] = await Promise.all([
    listAll(kube, { path: "/api/v1/nodes" }, toNode),
    listAll(kube, { path: "/api/v1/pods", fieldSelector: "spec.nodeName!=" }, toPod),
    listAll(kube, { path: "/apis/policy/v1/poddisruptionbudgets" }, toPdb),
  ]);
  return { nodes, pods, pdbs };
}

/** One UpgradePlan; rejects with a KubeApiError (404 if there is none by that name). */
export async function readPlan(kube: Kube, name: string): Promise<PlanObject> {
  return toPlan(await kube.request({ method: "GET", path: `${upgradePlanPath}/${name}` }));
}
