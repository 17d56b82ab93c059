import { generateKeyPairSync } from "node:crypto";
import { createCa, issueLeaf, type KeyPairPem, type LeafRequest } from "@basalt/pki";

/**
 * Certificates for a throw-away Kubernetes control plane: one CA signs the apiserver's serving
 * certificate and every client identity (admin, controller-manager, scheduler, test users), whose
 * Subject O values are Kubernetes groups. The certificates come from @basalt/pki, as basaltctl's do.
 */
export type CertKeyPem = KeyPairPem;
export type TestCa = KeyPairPem;
export type CertRequest = LeafRequest;

/** A new self-signed CA, valid from five minutes ago (clock skew) for one year. */
export function createTestCa(commonName: string): Promise<TestCa> {
  return createCa(commonName, 1);
}

/** A leaf certificate signed by `ca`, valid for a year. */
export function issueCert(ca: TestCa, req: CertRequest): Promise<CertKeyPem> {
  return issueLeaf(ca, req);
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
