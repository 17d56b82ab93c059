import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { createCa, issueLeaf } from "./pki.ts";

test("a client certificate carries its roles in Subject O and verifies against the CA", async () => {
  const ca = await createCa("basalt-test");
  const leaf = await issueLeaf(ca, { commonName: "alice", organizations: ["os:reader"], usage: "client" });
  const cert = new X509Certificate(leaf.cert);
  assert.match(cert.subject, /O=os:reader/);
  assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
  assert.match(leaf.key, /BEGIN PRIVATE KEY/);
});

test("a server certificate names its IPs", async () => {
  const ca = await createCa("basalt-test");
  const leaf = await issueLeaf(ca, {
    commonName: "node-a",
    ips: ["127.0.0.2"],
    dnsNames: ["node-a"],
    usage: "server",
  });
  const cert = new X509Certificate(leaf.cert);
  assert.equal(cert.checkIP("127.0.0.2"), "127.0.0.2");
  assert.equal(cert.checkHost("node-a"), "node-a");
});
