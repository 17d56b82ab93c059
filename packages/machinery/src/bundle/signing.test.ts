import assert from "node:assert/strict";
import { test } from "node:test";
import { checkManifestSignature, generateReleaseKey, signManifest } from "./signing.ts";

const manifest = new TextEncoder().encode('{"version":"1.0.0"}');

test("a manifest signed by a trusted key checks out, naming the key", () => {
  const k = generateReleaseKey();
  const other = generateReleaseKey();
  const sig = signManifest(manifest, k.privateKey);
  assert.deepEqual(checkManifestSignature(manifest, sig, [other.publicKey, k.publicKey]), {
    trusted: true,
    keyId: k.id,
  });
});

test("untrusted keys, tampered manifests and bad signatures are refused with a reason", () => {
  const k = generateReleaseKey();
  const other = generateReleaseKey();
  const sig = signManifest(manifest, k.privateKey);
  assert.equal(checkManifestSignature(manifest, sig, [other.publicKey]).trusted, false);
  const tampered = new TextEncoder().encode('{"version":"9.0.0"}');
  assert.equal(checkManifestSignature(tampered, sig, [k.publicKey]).trusted, false);
  const flipped = Uint8Array.from(sig);
  flipped[0]! ^= 1;
  assert.equal(checkManifestSignature(manifest, flipped, [k.publicKey]).trusted, false);
  const short = checkManifestSignature(manifest, sig.subarray(0, 10), [k.publicKey]);
  assert.ok(!short.trusted && /10 bytes/.test(short.reason));
  const none = checkManifestSignature(manifest, sig, []);
  assert.ok(!none.trusted && /trusts no release key/.test(none.reason));
});
