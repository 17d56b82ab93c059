import type { KubernetesConfig, ServiceConfig } from "@basalt/machinery";
import { kubeProxyArgs, kubeProxyHealthz } from "./kube-proxy-config.ts";
import { kubeletArgs, kubeletHealthz } from "./kubelet-config.ts";
import { containerdConfigName } from "./kubernetes-files.ts";
import { configFile, type KubeNodePaths } from "./node-paths.ts";

/** The services of a Kubernetes node, in the order they start. */
export const kubeServiceNames = ["containerd", "kubelet", "kube-proxy"] as const;

/** Services whose health blesses a new OS version on a Kubernetes node. */
export const kubeHealthGates: readonly string[] = ["containerd", "kubelet"];

/** kubelet, kube-proxy and CNI plugins run iptables, mount and runc from these (the root is merged-/usr Debian). */
const env = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };

/**
 * containerd, kubelet and kube-proxy as supervised services. They do not autostart: the Kubernetes
 * phases start each once what it needs is there (containerd before the pause import, kubelet after
 * it, kube-proxy once kubelet holds a client certificate). Each restarts always, with backoff.
 */
export function kubeServices(k8s: KubernetesConfig, nodeName: string, paths: KubeNodePaths): ServiceConfig[] {
  const common = { env, restart: "always" as const, autostart: false };
  return [
    {
      ...common,
      name: "containerd",
      command: [paths.containerdBin, "--config", configFile(paths, containerdConfigName)],
      health: { unixSocket: paths.containerdSocket },
      stopTimeoutSeconds: 15,
    },
    {
      ...common,
      name: "kubelet",
      command: [paths.kubeletBin, ...kubeletArgs(k8s, nodeName, paths)],
      health: { http: kubeletHealthz },
      stopTimeoutSeconds: 20,
    },
    {
      ...common,
      name: "kube-proxy",
      command: [paths.kubeProxyBin, ...kubeProxyArgs(paths)],
      health: { http: kubeProxyHealthz },
      stopTimeoutSeconds: 10,
    },
  ];
}
