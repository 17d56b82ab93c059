import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { BasaltError } from "@basalt/machinery";
import * as x509 from "@peculiar/x509";

/**
 * Certificates for Basalt (node API: cluster CA, node serving certificates, client identities whose
 * Subject O holds their roles) and for the test Kubernetes control plane (Subject O = groups such as
 * system:masters): P-256 keys, @peculiar/x509 on WebCrypto.
 */

type CryptoKey = webcrypto.CryptoKey;

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface KeyPairPem {
  cert: string;
  key: string;
}

function escapeRdn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, "\\$1");
}

function serial(): string {
  // Positive, 16 random bytes: unique without coordination.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

async function importKey(pem: string): Promise<CryptoKey> {
  try {
    return await webcrypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(pem), algorithm, true, [
      "sign",
    ]);
  } catch (err) {
    throw new BasaltError(
      "invalid_argument",
      `the CA key is not a P-256 PKCS#8 key: ${(err as Error).message}`,
    );
  }
}

/** A new self-signed CA (P-256), valid for `years`. */
export async function createCa(commonName: string, years = 10): Promise<KeyPairPem> {
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const notBefore = new Date(Date.now() - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + years * 365 * 86_400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString("pem"), key: await exportKey(keys.privateKey) };
}

export interface LeafRequest {
  commonName: string;
  /** Subject O values: a Basalt client's roles, or a Kubernetes client's groups. */
  organizations?: readonly string[];
  /** IP addresses and DNS names of a server certificate. */
  ips?: readonly string[];
  dnsNames?: readonly string[];
  /** `peer`: both server and client authentication (etcd peers, which dial each other). */
  usage: "server" | "client" | "peer";
  notBefore?: Date;
  notAfter?: Date;
}

/** A certificate signed by `ca`: a node's serving certificate or a client's identity. */
export async function issueLeaf(ca: KeyPairPem, req: LeafRequest): Promise<KeyPairPem> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const notBefore = req.notBefore ?? new Date(Date.now() - 5 * 60_000);
  const notAfter = req.notAfter ?? new Date(notBefore.getTime() + 365 * 86_400_000);
  const o = (req.organizations ?? []).map((r) => `, O=${escapeRdn(r)}`).join("");
  const names: x509.JsonGeneralName[] = [
    ...(req.ips ?? []).map((value) => ({ type: "ip" as const, value })),
    ...(req.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${escapeRdn(req.commonName)}${o}`,
    issuer: caCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        req.usage === "peer"
          ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
          : [req.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
      ),
      ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString("pem"), key: await exportKey(keys.privateKey) };
}
/**
 * A new P-256 private key in PKCS#8 PEM that signs something other than certificates (the cluster's
 * service-account tokens: kube-apiserver signs with it as ES256 and derives the public half).
 */
export async function createSigningKey(): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  return exportKey(keys.privateKey);
}

export { generateBootstrapToken } from "./bootstrap-token.ts";
export { type ClusterPki, completeClusterPki, newClusterPki } from "./cluster-pki.ts";
