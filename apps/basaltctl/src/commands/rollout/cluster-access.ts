import { BasaltError } from "@basalt/machinery";
import type { Invocation } from "../../cli/command.ts";

/*
 * How the rollout commands reach the cluster: a kubeconfig (flag, $KUBECONFIG, in-cluster, or
 * ~/.kube/config) through @basalt/kube, and the pure planner of @basalt/rollout. Both are loaded on
 * first use, keeping every other command's start-up as short as before.
 */

/** The rollout package (planner, preview, cluster reading), loaded on first use. */
export const rollout = () => import("@basalt/rollout");

/** The Kubernetes client package, loaded on first use. */
export const kubeLib = () => import("@basalt/kube");

export async function kubeFor(inv: Invocation) {
  const k = await kubeLib();
  const endpoint = k.resolveEndpoint(
    inv.values.kubeconfig as string | undefined,
    inv.values["kube-context"] as string | undefined,
  );
  return new k.KubeClient(endpoint, { maxSockets: 4 });
}

/** The cluster's nodes, pods and PDBs as the planner sees them, with what each Node says of its agent. */
export async function clusterState(kube: Awaited<ReturnType<typeof kubeFor>>, now: number) {
  const c = await rollout();
  const objects = await c.readCluster(kube);
  const byName = new Map(objects.nodes.map((n) => [n.name, n]));
  const state = c.buildClusterState({
    now,
    ...objects,
    agentStatus: (name) => {
      const node = byName.get(name);
      return node ? c.statusFromNode(node) : undefined;
    },
  });
  return { state, nodes: byName };
}

/** Parses --at (an ISO time) or now. */
export function instant(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new BasaltError("invalid_argument", `--at "${text}" is not a time`, {
      hint: "e.g. 2026-06-06T02:30:00Z",
    });
  return t;
}
