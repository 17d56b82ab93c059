import type { ClusterService } from "@basalt/api";
import { BasaltError, type MachineConfig } from "@basalt/machinery";
import type { ServiceImpl } from "@connectrpc/connect";
import type { DaemonContext } from "../daemon-context.ts";

/** Why this node cannot serve cluster calls, or undefined if it runs the control plane. */
export function controlPlaneProblem(config: MachineConfig): string | undefined {
  if (!config.kubernetes) return "this node has no kubernetes: section in its machine config";
  if (config.kubernetes.role !== "controlplane")
    return `this node is a Kubernetes ${config.kubernetes.role}, not a control-plane node`;
  return undefined;
}

/** Bootstrap and Kubeconfig: only a control-plane node answers them. */
export function clusterService(ctx: DaemonContext): ServiceImpl<typeof ClusterService> {
  function control() {
    const problem = controlPlaneProblem(ctx.config);
    if (problem)
      throw new BasaltError("failed_precondition", problem, {
        hint: "run this against a node whose machine config has kubernetes.role: controlplane",
      });
    if (!ctx.cluster)
      throw new BasaltError(
        "unavailable",
        "the control plane is not running on this node (its Kubernetes start-up has not begun, or the config lacks the node's address)",
        { hint: "see basaltctl events for the kubernetes phases" },
      );
    return ctx.cluster;
  }
  return {
    async *bootstrap() {
      const cluster = control();
      for await (const p of cluster.bootstrap()) {
        ctx.events.publish("kubernetes", `bootstrap ${p.phase}`, p.message);
        yield p;
      }
    },
    async kubeconfig(req) {
      const { kubeconfig, expires } = await control().kubeconfig(req.validitySeconds);
      ctx.events.publish(
        "kubernetes",
        "kubeconfig",
        `issued an admin kubeconfig valid until ${expires.toISOString()}`,
      );
      return { kubeconfig, expires: expires.toISOString() };
    },
  };
}
