import { configFile, type KubeNodePaths } from "./node-paths.ts";

/** kube-proxy's health endpoint (loopback only). */
export const kubeProxyHealthz = "http://127.0.0.1:10256/healthz";

export const kubeProxyFiles = {
  config: "kube-proxy-config.json",
  kubeconfig: "kube-proxy.kubeconfig",
} as const;

/** How kube-proxy programs Services; the image ships iptables (nft backend) for it and for CNI's portmap. */
export type ProxyMode = "iptables" | "nftables";

/**
 * The KubeProxyConfiguration of a Basalt worker: Services programmed in `mode`, the node's own
 * podCIDR (from the Node object) tells local traffic apart, conntrack sysctls left to the kernel's
 * defaults (`maxPerCore: 0`), health and metrics on loopback only.
 */
export function kubeProxyConfiguration(
  nodeName: string,
  paths: KubeNodePaths,
  mode: ProxyMode = "iptables",
): Record<string, unknown> {
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    clientConnection: { kubeconfig: configFile(paths, kubeProxyFiles.kubeconfig) },
    hostnameOverride: nodeName,
    mode,
    detectLocalMode: "NodeCIDR",
    conntrack: { maxPerCore: 0 },
    healthzBindAddress: "127.0.0.1:10256",
    metricsBindAddress: "127.0.0.1:10249",
  };
}

export function kubeProxyArgs(paths: KubeNodePaths): string[] {
  return [`--config=${configFile(paths, kubeProxyFiles.config)}`];
}
