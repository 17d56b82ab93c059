import { BasaltError, type KubernetesConfig } from "@basalt/machinery";
import { controlPlaneOf } from "./control-plane-certs.ts";
import { renderCertKubeconfig } from "./kubeconfigs.ts";
import { issueLeaf } from "./lazy-pki.ts";

/** An admin kubeconfig's certificate lives this long unless the request says otherwise. */
export const defaultAdminValiditySeconds = 24 * 3600;
/** The longest an admin certificate may live: a cluster-admin credential cannot be revoked. */
export const maxAdminValiditySeconds = 366 * 24 * 3600;

/** The validity to issue for a request (0: the default), or a clear error. */
export function adminValiditySeconds(requested: number): number {
  if (requested === 0) return defaultAdminValiditySeconds;
  if (requested < 60 || requested > maxAdminValiditySeconds)
    throw new BasaltError(
      "invalid_argument",
      `a kubeconfig's validity must be between 60 s and ${maxAdminValiditySeconds} s (a year), not ${requested} s`,
      { hint: "ask for e.g. --validity 24h; client certificates cannot be revoked, so keep them short" },
    );
  return requested;
}

/**
 * An admin kubeconfig: a new client certificate in system:masters (CN basalt-admin), signed here
 * by the cluster CA, pointing at the cluster's endpoint. A secret: shown to admins only.
 */
export async function adminKubeconfig(
  k8s: KubernetesConfig,
  validitySeconds: number,
  now = new Date(),
): Promise<{ kubeconfig: string; expires: Date }> {
  const cp = controlPlaneOf(k8s);
  const seconds = adminValiditySeconds(validitySeconds);
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const expires = new Date(now.getTime() + seconds * 1000);
  const pair = await issueLeaf(
    { cert: k8s.ca, key: cp.caKey },
    {
      commonName: "basalt-admin",
      organizations: ["system:masters"],
      usage: "client",
      notBefore,
      notAfter: expires,
    },
  );
  return { kubeconfig: renderCertKubeconfig(k8s, "admin", pair), expires };
}
