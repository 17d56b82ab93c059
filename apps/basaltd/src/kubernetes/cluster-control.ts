import { BasaltError } from "@basalt/machinery";
import { adminKubeconfig } from "./admin-kubeconfig.ts";
import { type BootstrapDeps, type BootstrapProgress, bootstrapCluster } from "./control-plane-bootstrap.ts";

/** What the ClusterService handler asks of a control-plane node. */
export interface ClusterControl {
  /** Streams Bootstrap's phases; refuses a second bootstrap, and one while another runs. */
  bootstrap(): AsyncGenerator<BootstrapProgress>;
  kubeconfig(validitySeconds: number): Promise<{ kubeconfig: string; expires: Date }>;
}

/** A ClusterControl over `deps`: one Bootstrap at a time. */
export function clusterControl(deps: BootstrapDeps): ClusterControl {
  let running = false;
  return {
    async *bootstrap() {
      if (running)
        throw new BasaltError("failed_precondition", "a bootstrap is already running on this node", {
          hint: "wait for it: basaltctl events shows its progress",
        });
      running = true;
      try {
        yield* bootstrapCluster(deps);
      } finally {
        running = false;
      }
    },
    kubeconfig: (validitySeconds) => adminKubeconfig(deps.k8s, validitySeconds),
  };
}
