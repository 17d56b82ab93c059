import type { KubernetesConfig } from "@basalt/machinery";
import { renderCniConflist } from "./cni-config.ts";
import { cniTemplateName, renderContainerdConfig } from "./containerd-config.ts";
import { kubeProxyConfiguration, kubeProxyFiles, type ProxyMode } from "./kube-proxy-config.ts";
import { renderBootstrapKubeconfig, renderKubeProxyKubeconfig } from "./kubeconfigs.ts";
import { kubeletConfiguration, kubeletFiles } from "./kubelet-config.ts";
import { configFile, type KubeNodePaths, kubeletClientCert } from "./node-paths.ts";

export const containerdConfigName = "containerd.toml";

/** One generated file: where it goes, its text, and its mode (0600 when it holds a secret). */
export interface GeneratedFile {
  path: string;
  text: string;
  mode: number;
}

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

/**
 * Every file the node's Kubernetes services read, rendered from the machine config alone (pure:
 * the same config gives the same bytes). basaltd writes them into /run at each boot.
 */
export function kubernetesFiles(
  k8s: KubernetesConfig,
  nodeName: string,
  paths: KubeNodePaths,
  proxyMode: ProxyMode = "iptables",
): GeneratedFile[] {
  const f = (name: string, text: string, mode = 0o644) => ({ path: configFile(paths, name), text, mode });
  return [
    f(containerdConfigName, renderContainerdConfig(paths)),
    f(cniTemplateName, renderCniConflist()),
    f(kubeletFiles.clusterCa, k8s.ca),
    f(kubeletFiles.config, json(kubeletConfiguration(k8s, paths))),
    f(kubeletFiles.bootstrapKubeconfig, renderBootstrapKubeconfig(k8s), 0o600),
    f(kubeProxyFiles.config, json(kubeProxyConfiguration(nodeName, paths, proxyMode))),
    f(kubeProxyFiles.kubeconfig, renderKubeProxyKubeconfig(k8s, kubeletClientCert(paths)), 0o600),
  ];
}
