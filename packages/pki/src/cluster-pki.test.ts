import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { test } from "node:test";
import { completeClusterPki, newClusterPki } from "./cluster-pki.ts";

test("a new cluster PKI holds three distinct self-signed CAs, an EC signing key and a token", async () => {
  const pki = await newClusterPki();
  const cas = [pki.ca, pki.etcdCA, pki.frontProxyCA].map((c) => new X509Certificate(c.cert));
  assert.deepEqual(
    cas.map((c) => c.subject),
    ["CN=kubernetes", "CN=etcd-ca", "CN=front-proxy-ca"],
  );
  for (const c of cas) {
    assert.equal(c.ca, true);
    assert.ok(c.verify(c.publicKey), "self-signed");
  }
  assert.equal(new Set(cas.map((c) => c.fingerprint256)).size, 3);
  // Each CA's key matches its certificate.
  for (const kp of [pki.ca, pki.etcdCA, pki.frontProxyCA])
    assert.equal(
      createPublicKey(createPrivateKey(kp.key)).export({ format: "pem", type: "spki" }),
      new X509Certificate(kp.cert).publicKey.export({ format: "pem", type: "spki" }),
    );
  const sa = createPrivateKey(pki.serviceAccountKey);
  assert.equal(sa.asymmetricKeyType, "ec");
  assert.equal(sa.asymmetricKeyDetails?.namedCurve, "prime256v1");
  assert.match(pki.bootstrapToken, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
});

test("completing an older PKI keeps what it has and adds only what is missing", async () => {
  const old = await newClusterPki();
  const done = await completeClusterPki({ ca: old.ca, bootstrapToken: old.bootstrapToken });
  assert.equal(done.ca, old.ca);
  assert.equal(done.bootstrapToken, old.bootstrapToken);
  assert.deepEqual(done.added, ["etcdCA", "frontProxyCA", "serviceAccountKey"]);
  assert.notEqual(done.etcdCA.cert, old.etcdCA.cert);
  const again = await completeClusterPki(done);
  assert.deepEqual(again.added, []);
});
