import type { MachineConfigInput } from "@basalt/machinery";
import type { KubernetesSecrets } from "./secrets-file.ts";
import { type WorkerConfigInput, workerMachineConfig } from "./worker-config.ts";

/** The apiserver's port on a control-plane node. */
export const apiserverPort = 6443;

/** The cluster's address plan and options a control-plane config carries (defaults as in the schema). */
export interface ControlPlaneShape {
  serviceCIDR?: string;
  podCIDR?: string;
  nodeCIDRMaskSize?: number;
  /** More apiserver certificate names and addresses (e.g. a host-side forward's 127.0.0.x). */
  certSANs?: string[];
  schedulable?: boolean;
}

/** `https://<address>:6443`: where workers and clients reach the control plane. */
export function controlPlaneEndpoint(address: string): string {
  return `https://${address}:${apiserverPort}`;
}

/**
 * The machine config of a control-plane node: a worker's config (init mode, node API, eth0, the
 * cluster CA and token) with role `controlplane`, the endpoint at its own address, and the
 * `controlPlane:` section holding the cluster PKI it runs etcd and the apiserver with. Pure: the
 * caller issues the node-API certificate.
 */
export function controlPlaneMachineConfig(
  input: Omit<WorkerConfigInput, "endpoint" | "kubernetes"> & {
    kubernetes: Required<KubernetesSecrets>;
    shape?: ControlPlaneShape;
  },
): MachineConfigInput {
  const { kubernetes: k, shape = {} } = input;
  const base = workerMachineConfig({
    ...input,
    endpoint: controlPlaneEndpoint(input.worker.address),
  });
  return {
    ...base,
    node: { ...base.node!, labels: { role: "controlplane" } },
    kubernetes: {
      ...base.kubernetes!,
      role: "controlplane",
      controlPlane: {
        caKey: k.ca.key,
        etcdCA: k.etcdCA,
        frontProxyCA: k.frontProxyCA,
        serviceAccountKey: k.serviceAccountKey,
        ...(shape.serviceCIDR ? { serviceCIDR: shape.serviceCIDR } : {}),
        ...(shape.podCIDR ? { podCIDR: shape.podCIDR } : {}),
        ...(shape.nodeCIDRMaskSize ? { nodeCIDRMaskSize: shape.nodeCIDRMaskSize } : {}),
        certSANs: shape.certSANs ?? [],
        schedulable: shape.schedulable ?? false,
      },
    },
  };
}
