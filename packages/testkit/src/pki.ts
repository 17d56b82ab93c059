import "reflect-metadata";
import { generateKeyPairSync, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

/**
 * Certificates for a throw-away Kubernetes control plane: one CA that signs the apiserver's serving
 * certificate and every client identity (admin, controller-manager, scheduler, test users).
 * Same approach as basaltctl's PKI (P-256, @peculiar/x509 on WebCrypto), but Kubernetes identities:
 * the Subject O values are free-form groups such as `system:masters`, not Basalt roles.
 */

type CryptoKey = webcrypto.CryptoKey;

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A certificate and its PKCS#8 private key, both PEM. */
export interface CertKeyPem {
  cert: string;
  key: string;
}

/** A CA that keeps its private key in memory, so issuing does not re-import it each time. */
export interface TestCa extends CertKeyPem {
  readonly certificate: x509.X509Certificate;
  readonly signingKey: CryptoKey;
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

/** A new self-signed CA, valid from five minutes ago (clock skew) for one year. */
export async function createTestCa(commonName: string): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const notBefore = new Date(Date.now() - 5 * 60_000);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 365 * 86_400_000),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    cert: certificate.toString("pem"),
    key: await exportKey(keys.privateKey),
    certificate,
    signingKey: keys.privateKey,
  };
}

/** What a leaf certificate is for and who it names. */
export interface CertRequest {
  commonName: string;
  /** Subject O values; for a Kubernetes client certificate these are its groups. */
  organizations?: readonly string[];
  ips?: readonly string[];
  dnsNames?: readonly string[];
  usage: "server" | "client";
}

function escapeRdn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, "\\$1");
}

/** A leaf certificate signed by `ca`, valid for a year. */
export async function issueCert(ca: TestCa, req: CertRequest): Promise<CertKeyPem> {
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const notBefore = new Date(Date.now() - 5 * 60_000);
  const o = (req.organizations ?? []).map((g) => `, O=${escapeRdn(g)}`).join("");
  const names: x509.JsonGeneralName[] = [
    ...(req.ips ?? []).map((value) => ({ type: "ip" as const, value })),
    ...(req.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${escapeRdn(req.commonName)}${o}`,
    issuer: ca.certificate.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 365 * 86_400_000),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        req.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
  return { cert: cert.toString("pem"), key: await exportKey(keys.privateKey) };
}

/**
 * The key pair that signs and verifies service-account tokens (`--service-account-signing-key-file`
 * on the apiserver, `--service-account-private-key-file` on the controller-manager). ES256 is one
 * of the algorithms the apiserver accepts, and generating it takes microseconds, unlike RSA.
 */
export function createServiceAccountKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
