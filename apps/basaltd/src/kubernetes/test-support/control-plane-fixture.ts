import { generateKeyPairSync } from "node:crypto";
import type { KubernetesConfig } from "@basalt/machinery";
import { createCa } from "@basalt/pki";
import { k8sConfig } from "./k8s-fixture.ts";

/** A control-plane kubernetes section with real CAs (as basaltctl gen secrets makes them). */
export async function controlPlaneConfig(extra: Record<string, unknown> = {}): Promise<KubernetesConfig> {
  const [cluster, etcd, frontProxy] = await Promise.all([
    createCa("kubernetes"),
    createCa("etcd-ca"),
    createCa("front-proxy-ca"),
  ]);
  const sa = generateKeyPairSync("ec", { namedCurve: "P-256" })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  const { controlPlane, ...rest } = extra as { controlPlane?: Record<string, unknown> };
  return k8sConfig({
    role: "controlplane",
    endpoint: "https://10.0.0.1:6443",
    nodeIP: "10.0.0.1",
    ca: cluster.cert,
    controlPlane: {
      caKey: cluster.key,
      etcdCA: etcd,
      frontProxyCA: frontProxy,
      serviceAccountKey: sa,
      ...controlPlane,
    },
    ...rest,
  });
}
