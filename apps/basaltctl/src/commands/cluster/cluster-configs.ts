import type { MachineConfigInput } from "@basalt/machinery";
import type { KeyPairPem } from "@basalt/pki";
import { controlPlaneEndpoint, controlPlaneMachineConfig } from "../gen/controlplane-config.ts";
import type { KubernetesSecrets } from "../gen/secrets-file.ts";
import { workerMachineConfig } from "../gen/worker-config.ts";

/**
 * The `kubernetes:` section of a cluster VM, from the same generators as `basaltctl gen config`,
 * put into the provisioner's generated config (which already holds the node API, eth0 on the bridge
 * and the default route). The apiserver certificate also names 127.0.0.1: the host reaches it
 * through a forward.
 */
export function clusterNodeConfig(input: {
  generated: MachineConfigInput;
  role: "controlplane" | "worker";
  name: string;
  ip: string;
  prefix: number;
  controlPlaneIp: string;
  clusterName: string;
  kubernetes: Required<KubernetesSecrets>;
}): MachineConfigInput {
  const api = {
    ca: input.generated.api!.ca as string,
    serving: {
      cert: input.generated.api!.cert as string,
      key: input.generated.api!.key as string,
    } as KeyPairPem,
  };
  const worker = { name: input.name, address: input.ip, prefix: input.prefix };
  const k8s =
    input.role === "controlplane"
      ? controlPlaneMachineConfig({
          worker,
          api,
          kubernetes: input.kubernetes,
          clusterName: input.clusterName,
          shape: { certSANs: ["127.0.0.1"] },
        })
      : workerMachineConfig({
          worker,
          api,
          kubernetes: input.kubernetes,
          clusterName: input.clusterName,
          endpoint: controlPlaneEndpoint(input.controlPlaneIp),
        });
  return {
    ...input.generated,
    node: { ...input.generated.node!, labels: { ...(input.generated.node?.labels ?? {}), role: input.role } },
    kubernetes: k8s.kubernetes,
  };
}
