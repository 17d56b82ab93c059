import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { BasaltError } from "../errors.ts";

/** A release key's id: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
export function keyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex").slice(0, 16);
}

export function generateReleaseKey(): { publicKey: string; privateKey: string; id: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pub = publicKey.export({ type: "spki", format: "pem" }).toString();
  return {
    publicKey: pub,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    id: keyId(pub),
  };
}

/** Signs the manifest bytes exactly as they are in the bundle (Ed25519, 64 bytes). */
export function signManifest(manifest: Uint8Array, privateKeyPem: string): Uint8Array {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new BasaltError(
      "invalid_argument",
      `the release key is not a PEM private key: ${(err as Error).message}`,
    );
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new BasaltError("invalid_argument", "release keys are Ed25519");
  return sign(null, manifest, key);
}

export type SignatureCheck = { trusted: true; keyId: string } | { trusted: false; reason: string };

/** Checks the signature against every trusted public key; says which key signed, or why none did. */
export function checkManifestSignature(
  manifest: Uint8Array,
  signature: Uint8Array,
  trustedKeys: readonly string[],
): SignatureCheck {
  if (trustedKeys.length === 0)
    return {
      trusted: false,
      reason: "the machine config trusts no release key (update.trustedKeys is empty)",
    };
  if (signature.length !== 64)
    return { trusted: false, reason: `the signature is ${signature.length} bytes, not an Ed25519 signature` };
  for (const pem of trustedKeys) {
    try {
      if (verify(null, manifest, createPublicKey(pem), signature))
        return { trusted: true, keyId: keyId(pem) };
    } catch {
      // A malformed trusted key cannot vouch for anything; try the others.
    }
  }
  return {
    trusted: false,
    reason: "the manifest is not signed by any release key this node trusts (bad signature or untrusted key)",
  };
}
