import { writeFileSync } from "node:fs";
import { reuseConnections } from "@basalt/kube";
import { KubeConfig } from "@kubernetes/client-node";
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
 * Writes the kubeconfig (mode 0600: it holds a private key) and returns it loaded as a KubeConfig
 * whose clients share connections (`reuseConnections`: without it every call is a new TLS handshake,
 * which halves what a test can do per second).
 */
export function writeKubeconfig(
  path: string,
  server: string,
  caCert: string,
  user: string,
  identity: CertKeyPem,
): KubeConfig {
  const doc = kubeconfigDocument(server, caCert, user, identity);
  writeFileSync(path, doc, { mode: 0o600 });
  const kc = new KubeConfig();
  kc.loadFromString(doc);
  return reuseConnections(kc);
}
