import type { KubernetesConfig } from "@basalt/machinery";
import { stringify } from "yaml";

interface KubeconfigUser {
  token?: string;
  "client-certificate"?: string;
  "client-key"?: string;
  "client-certificate-data"?: string;
  "client-key-data"?: string;
}

function kubeconfig(
  k8s: KubernetesConfig,
  userName: string,
  user: KubeconfigUser,
  server = k8s.endpoint,
): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: k8s.clusterName,
        cluster: {
          server,
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

/**
 * A kubeconfig holding a client certificate and its key (embedded): the control plane's own
 * components, basaltd's admin identity, an admin's kubeconfig. `server` defaults to the endpoint;
 * components on the control-plane node use the apiserver on loopback. A secret: write it 0600.
 */
export function renderCertKubeconfig(
  k8s: KubernetesConfig,
  userName: string,
  pair: { cert: string; key: string },
  server = k8s.endpoint,
): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return kubeconfig(
    k8s,
    userName,
    { "client-certificate-data": b64(pair.cert), "client-key-data": b64(pair.key) },
    server,
  );
}
