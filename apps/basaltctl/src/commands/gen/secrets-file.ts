import { readFileSync } from "node:fs";
import { BasaltError, bootstrapTokenPattern } from "@basalt/machinery";
import type { KeyPairPem } from "@basalt/pki";
import { parse, stringify } from "yaml";

/** The cluster's secrets: the CA that signs node and client certificates. Kept 0600, never printed. */
export interface Secrets {
  ca: KeyPairPem;
  /** The Kubernetes cluster's CA and the bootstrap token workers join with (older files lack it). */
  kubernetes?: KubernetesSecrets;
}

export interface KubernetesSecrets {
  /** Signs the apiserver's serving certificate and, through kube-controller-manager, kubelets' client certificates. */
  ca: KeyPairPem;
  /** `id.secret`: the token kubelet bootstraps with. */
  bootstrapToken: string;
  /** The rest of the cluster PKI a control-plane node needs (older files lack it). */
  etcdCA?: KeyPairPem;
  frontProxyCA?: KeyPairPem;
  /** Signs service-account tokens: a private key in PEM. */
  serviceAccountKey?: string;
}

export function readSecrets(path: string): Secrets {
  let doc: Partial<Secrets> | undefined;
  try {
    doc = parse(readFileSync(path, "utf8")) as Partial<Secrets>;
  } catch (err) {
    throw new BasaltError("not_found", `cannot read secrets ${path}: ${(err as Error).message}`, {
      hint: "create them with `basaltctl gen secrets`",
    });
  }
  if (!doc?.ca?.cert?.includes("BEGIN CERTIFICATE") || !doc.ca.key?.includes("PRIVATE KEY")) {
    throw new BasaltError(
      "invalid_argument",
      `${path} is not a Basalt secrets file (ca.cert and ca.key expected)`,
    );
  }
  const k = doc.kubernetes;
  if (
    k !== undefined &&
    (!k?.ca?.cert?.includes("BEGIN CERTIFICATE") ||
      !k.ca.key?.includes("PRIVATE KEY") ||
      !bootstrapTokenPattern.test(k.bootstrapToken ?? ""))
  ) {
    throw new BasaltError(
      "invalid_argument",
      `${path}: kubernetes.ca.cert, kubernetes.ca.key and kubernetes.bootstrapToken (abcdef.0123456789abcdef) expected`,
    );
  }
  for (const f of ["etcdCA", "frontProxyCA"] as const) {
    const kp = k?.[f];
    if (kp !== undefined && (!kp?.cert?.includes("BEGIN CERTIFICATE") || !kp.key?.includes("PRIVATE KEY")))
      throw new BasaltError("invalid_argument", `${path}: kubernetes.${f}.cert and .key (PEM) expected`);
  }
  if (k?.serviceAccountKey !== undefined && !k.serviceAccountKey.includes("PRIVATE KEY"))
    throw new BasaltError(
      "invalid_argument",
      `${path}: kubernetes.serviceAccountKey (a PEM private key) expected`,
    );
  return doc as Secrets;
}

export function renderSecrets(s: Secrets): string {
  return stringify(s.kubernetes ? { ca: s.ca, kubernetes: s.kubernetes } : { ca: s.ca });
}

/** The pieces of the cluster PKI a control-plane config needs, or a clear error naming what is missing. */
export function controlPlaneSecrets(s: Secrets, path: string): Required<KubernetesSecrets> {
  const k = s.kubernetes;
  const missing = !k
    ? ["kubernetes"]
    : (["etcdCA", "frontProxyCA", "serviceAccountKey"] as const).filter((f) => k[f] === undefined);
  if (missing.length > 0)
    throw new BasaltError(
      "failed_precondition",
      `${path} lacks what a control-plane node needs: ${missing.join(", ")}`,
      {
        hint: `it predates the control plane: add them, keeping its CAs and token, with \`basaltctl gen secrets --upgrade --out ${path}\``,
      },
    );
  return k as Required<KubernetesSecrets>;
}
