import type { KubernetesConfig } from "@basalt/machinery";
import { stringify } from "yaml";

interface KubeconfigUser {
  token?: string;
  "client-certificate"?: string;
  "client-key"?: string;
}

function kubeconfig(k8s: KubernetesConfig, userName: string, user: KubeconfigUser): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: k8s.clusterName,
        cluster: {
          server: k8s.endpoint,
          "certificate-authority-data": Buffer.from(k8s.ca).toString("base64"),
        },
      },
    ],
    users: [{ name: userName, user }],
    contexts: [{ name: "default", context: { cluster: k8s.clusterName, user: userName } }],
    "current-context": "default",
  });
}

/**
 * kubelet's bootstrap kubeconfig: the bootstrap token, used once to file a CSR for the node's
 * client certificate (kube-controller-manager approves and signs it); kubelet then writes its
 * own kubeconfig pointing at the rotated certificate. Written 0600: it holds a secret.
 */
export function renderBootstrapKubeconfig(k8s: KubernetesConfig): string {
  return kubeconfig(k8s, "kubelet-bootstrap", { token: k8s.bootstrapToken });
}

/**
 * kube-proxy's kubeconfig: the node's own identity (system:node:<name>, group system:nodes) from
 * the certificate kubelet rotates, so the node holds no second credential. The cluster binds
 * system:node-proxier to system:nodes for this.
 */
export function renderKubeProxyKubeconfig(k8s: KubernetesConfig, clientCertFile: string): string {
  return kubeconfig(k8s, "node", { "client-certificate": clientCertFile, "client-key": clientCertFile });
}
