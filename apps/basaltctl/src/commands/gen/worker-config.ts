import { isIPv4 } from "node:net";
import { BasaltError, defaultApiPort, type MachineConfigInput } from "@basalt/machinery";
import type { KeyPairPem } from "@basalt/pki";
import type { KubernetesSecrets } from "./secrets-file.ts";

/** A `--worker NAME=ADDRESS[/PREFIX]` argument. */
export interface WorkerSpec {
  name: string;
  address: string;
  /** With a prefix, basaltd configures eth0 with ADDRESS/PREFIX itself (no DHCP on a Basalt node). */
  prefix?: number;
}

/** "w1=10.0.0.11/24" → a worker spec; the address must be IPv4 (it is also the Node's InternalIP). */
export function parseWorkerSpec(spec: string): WorkerSpec {
  const m = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)=([0-9.]+)(\/(\d{1,2}))?$/.exec(spec);
  if (!m || !isIPv4(m[3]!) || (m[5] !== undefined && Number(m[5]) > 32))
    throw new BasaltError("invalid_argument", `--worker "${spec}" is not NAME=IPV4[/PREFIX]`, {
      hint: "e.g. --worker w1=10.0.0.11/24 (a lowercase DNS label, then the node's IPv4 address)",
    });
  return { name: m[1]!, address: m[3]!, ...(m[5] !== undefined ? { prefix: Number(m[5]) } : {}) };
}

/** Checks `--kubernetes-endpoint`: kubelet talks to the apiserver over https only. */
export function parseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "https:" || !url.hostname)
    throw new BasaltError("invalid_argument", `--kubernetes-endpoint "${endpoint}" is not an https URL`, {
      hint: "e.g. --kubernetes-endpoint https://10.0.0.1:6443",
    });
  return endpoint.replace(/\/+$/, "");
}

export interface WorkerConfigInput {
  worker: WorkerSpec;
  /** The node API: trusted client CA and this node's serving certificate. */
  api: { ca: string; serving: KeyPairPem };
  kubernetes: KubernetesSecrets;
  endpoint: string;
  clusterName: string;
  /** Default route for eth0, when the node has one. */
  gateway?: string;
  /** Public keys of the release key that signs update bundles (update.trustedKeys). */
  trustedKeys?: string[];
}

/**
 * The machine config of a Kubernetes worker on a Basalt image: init mode, the node API on
 * ADDRESS:50000, eth0 configured when a prefix is given, and a `kubernetes:` section that joins the
 * cluster with the bootstrap token from secrets.yaml. Pure: the caller issues the certificates.
 */
export function workerMachineConfig(input: WorkerConfigInput): MachineConfigInput {
  const { worker } = input;
  const interfaces =
    worker.prefix === undefined
      ? []
      : [
          {
            name: "eth0",
            addresses: [`${worker.address}/${worker.prefix}`],
            routes: input.gateway ? [{ to: "default" as const, via: input.gateway }] : [],
          },
        ];
  return {
    apiVersion: "basalt.dev/v1alpha1",
    kind: "MachineConfig",
    node: { name: worker.name, mode: "init", labels: { role: "worker" } },
    api: {
      listen: `${worker.address}:${defaultApiPort}`,
      ca: input.api.ca,
      cert: input.api.serving.cert,
      key: input.api.serving.key,
    },
    network: { hostname: worker.name, interfaces, nameservers: [] },
    ...(input.trustedKeys?.length ? { update: { trustedKeys: input.trustedKeys } } : {}),
    kubernetes: {
      role: "worker",
      clusterName: input.clusterName,
      endpoint: input.endpoint,
      ca: input.kubernetes.ca.cert,
      bootstrapToken: input.kubernetes.bootstrapToken,
      nodeIP: worker.address,
      labels: {},
      taints: [],
    },
  };
}
