import { generateBootstrapToken } from "./bootstrap-token.ts";
import { createCa, createSigningKey, type KeyPairPem } from "./pki.ts";

/**
 * The whole PKI of one Kubernetes cluster, as `basaltctl gen secrets` keeps it: the cluster CA
 * (apiserver serving, kubelet and admin client certificates), the etcd CA, the front-proxy CA, the
 * service-account signing key and the bootstrap token workers join with.
 */
export interface ClusterPki {
  ca: KeyPairPem;
  bootstrapToken: string;
  etcdCA: KeyPairPem;
  frontProxyCA: KeyPairPem;
  serviceAccountKey: string;
}

/** A fresh cluster PKI: three independent CAs (10 years), a signing key and a token. */
export async function newClusterPki(): Promise<ClusterPki> {
  const { added: _, ...pki } = await completeClusterPki({});
  return pki;
}

/**
 * Fills in what an older secrets file lacks and keeps everything it has (so nodes configured from
 * it keep trusting the same CAs and joining with the same token). Returns the pieces it added too.
 */
export async function completeClusterPki(
  have: Partial<ClusterPki>,
): Promise<ClusterPki & { added: (keyof ClusterPki)[] }> {
  const added: (keyof ClusterPki)[] = [];
  const take = async <K extends keyof ClusterPki>(k: K, make: () => Promise<ClusterPki[K]>) => {
    if (have[k] !== undefined) return have[k] as ClusterPki[K];
    added.push(k);
    return make();
  };
  return {
    ca: await take("ca", () => createCa("kubernetes")),
    bootstrapToken: await take("bootstrapToken", async () => generateBootstrapToken()),
    etcdCA: await take("etcdCA", () => createCa("etcd-ca")),
    frontProxyCA: await take("frontProxyCA", () => createCa("front-proxy-ca")),
    serviceAccountKey: await take("serviceAccountKey", createSigningKey),
    added,
  };
}
