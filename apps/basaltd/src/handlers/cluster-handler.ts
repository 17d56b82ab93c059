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
  function refuseUnlessControlPlane(): never {
    const problem = controlPlaneProblem(ctx.config);
    throw new BasaltError(
      "failed_precondition",
      problem ?? "the control plane is not supported by this basaltd build yet",
      { hint: "run this against a node whose machine config has kubernetes.role: controlplane" },
    );
  }
  return {
    // biome-ignore lint/correctness/useYield: refuses before streaming anything
    async *bootstrap() {
      refuseUnlessControlPlane();
    },
    kubeconfig: () => refuseUnlessControlPlane(),
  };
}
