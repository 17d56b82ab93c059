import type { KubernetesConfig } from "@basalt/machinery";
import { configFile, type KubeNodePaths } from "./node-paths.ts";

/** kubelet's health endpoint (loopback only): the supervisor's health check and boot blessing use it. */
export const kubeletHealthz = "http://127.0.0.1:10248/healthz";

/** Files kubelet reads, inside the config dir. */
export const kubeletFiles = {
  config: "kubelet-config.json",
  bootstrapKubeconfig: "bootstrap.kubeconfig",
  clusterCa: "cluster-ca.crt",
} as const;

/**
 * The KubeletConfiguration of a Basalt worker, as a JSON document (kubelet reads JSON as YAML).
 * Chosen by basaltd: the cgroupfs driver (no systemd), containerd's socket, client certificate
 * rotation, webhook authentication and authorization with anonymous access off (the apiserver
 * reaches logs/exec with its kubelet client certificate, which the cluster CA signed), healthz on
 * loopback, no read-only port, no static pods, paths that are writable on a read-only root.
 * From the machine config: only the allow-listed settings, and taints.
 */
export function kubeletConfiguration(k8s: KubernetesConfig, paths: KubeNodePaths): Record<string, unknown> {
  const s = k8s.kubelet;
  const optional: Record<string, unknown> = {
    maxPods: s.maxPods,
    evictionHard: s.evictionHard,
    systemReserved: s.systemReserved,
    kubeReserved: s.kubeReserved,
    imageGCHighThresholdPercent: s.imageGCHighThresholdPercent,
    imageGCLowThresholdPercent: s.imageGCLowThresholdPercent,
    podPidsLimit: s.podPidsLimit,
    serializeImagePulls: s.serializeImagePulls,
    clusterDNS: s.clusterDNS,
  };
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    cgroupDriver: "cgroupfs",
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    rotateCertificates: true,
    serverTLSBootstrap: s.serverTLSBootstrap ?? false,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: "2m0s" },
      x509: { clientCAFile: configFile(paths, kubeletFiles.clusterCa) },
    },
    authorization: { mode: "Webhook" },
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
    readOnlyPort: 0,
    clusterDomain: s.clusterDomain ?? "cluster.local",
    resolvConf: paths.resolvConf,
    volumePluginDir: `${paths.kubeletRoot}/volumeplugins`,
    registerWithTaints: [
      // A control-plane Node keeps ordinary pods off unless the config says it is schedulable.
      ...(k8s.role === "controlplane" && !k8s.controlPlane?.schedulable
        ? [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }]
        : []),
      ...k8s.taints.map((t) => ({
        key: t.key,
        ...(t.value ? { value: t.value } : {}),
        effect: t.effect,
      })),
    ],
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

/**
 * kubelet's command line: what the config file cannot carry (bootstrap, identity, node IP and
 * labels). The bootstrap token is in a 0600 file, never on the command line.
 */
export function kubeletArgs(k8s: KubernetesConfig, nodeName: string, paths: KubeNodePaths): string[] {
  const labels = Object.entries(k8s.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return [
    `--config=${configFile(paths, kubeletFiles.config)}`,
    `--bootstrap-kubeconfig=${configFile(paths, kubeletFiles.bootstrapKubeconfig)}`,
    `--kubeconfig=${paths.kubeletKubeconfig}`,
    `--cert-dir=${paths.kubeletCertDir}`,
    `--root-dir=${paths.kubeletRoot}`,
    `--hostname-override=${nodeName}`,
    ...(k8s.nodeIP ? [`--node-ip=${k8s.nodeIP}`] : []),
    ...(labels ? [`--node-labels=${labels}`] : []),
  ];
}
