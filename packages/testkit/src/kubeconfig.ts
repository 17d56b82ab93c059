import { writeFileSync } from "node:fs";
import { KubeClient, loadKubeconfig } from "@basalt/kube";
import type { CertKeyPem } from "./pki.ts";

const b64 = (pem: string) => Buffer.from(pem).toString("base64");

/**
 * A kubeconfig document (JSON, which every kubeconfig reader accepts as YAML) for one client
 * certificate identity against `server`, with everything embedded so the file stands alone.
 */
export function kubeconfigDocument(
  server: string,
  caCert: string,
  user: string,
  identity: CertKeyPem,
): string {
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "basalt-test", cluster: { server, "certificate-authority-data": b64(caCert) } }],
      users: [
        {
          name: user,
          user: { "client-certificate-data": b64(identity.cert), "client-key-data": b64(identity.key) },
        },
      ],
      contexts: [{ name: "basalt-test", context: { cluster: "basalt-test", user } }],
      "current-context": "basalt-test",
    },
    null,
    2,
  );
}

/**
 * Writes the kubeconfig (mode 0600: it holds a private key) and returns a client for it: the same
 * @basalt/kube client production runs, with keep-alive connections.
 */
export function writeKubeconfig(
  path: string,
  server: string,
  caCert: string,
  user: string,
  identity: CertKeyPem,
): KubeClient {
  writeFileSync(path, kubeconfigDocument(server, caCert, user, identity), { mode: 0o600 });
  return new KubeClient(loadKubeconfig(path), { maxSockets: 32 });
}
