import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { simKeys } from "@basalt/rollout";
import { ControllerProcess } from "./controller-process.ts";
import { type SimCluster, type SimClusterOptions, startSimCluster } from "./sim-cluster.ts";

/**
 * The set-up most controller tests share: a real control plane with SIMULATED nodes, some of them
 * told how to fail (the simulator's `simKeys.fail` annotation), and the controller running against
 * it — started before the file's tests and stopped after them. Returns the cluster once started.
 */
export function useControllerOnSimCluster(options: {
  /** Names the controller's identity and log directory. */
  name: string;
  cluster: SimClusterOptions;
  /** Node name → simulated failure ("boot-old", "refuse", "never", "unhealthy", …). */
  failures?: Record<string, string>;
}): () => SimCluster {
  let cluster: SimCluster | undefined;
  let controller: ControllerProcess | undefined;
  before(async () => {
    cluster = await startSimCluster(options.cluster);
    for (const [node, fail] of Object.entries(options.failures ?? {})) {
      await cluster.kube.request({
        method: "PATCH",
        path: `/api/v1/nodes/${node}`,
        body: { metadata: { annotations: { [simKeys.fail]: fail } } },
      });
    }
    controller = new ControllerProcess({
      kubeconfig: cluster.controllerKubeconfig,
      identity: `controller-${options.name}`,
      logDir: join(tmpdir(), `basalt-controller-${options.name}-${Date.now()}`),
    });
    controller.start();
  });
  after(async () => {
    await controller?.kill("SIGTERM");
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error("the sim cluster is not started yet (use it inside a test)");
    return cluster;
  };
}
