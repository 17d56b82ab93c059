import assert from "node:assert/strict";
import { createPublicKey, X509Certificate } from "node:crypto";
import { test } from "node:test";
import { createServiceAccountKeys, createTestCa, issueCert } from "./pki.ts";

test("an admin client certificate carries system:masters in Subject O and verifies against the CA", async () => {
  const ca = await createTestCa("test-ca");
  const admin = await issueCert(ca, {
    commonName: "admin",
    organizations: ["system:masters"],
    usage: "client",
  });
  const cert = new X509Certificate(admin.cert);
  assert.match(cert.subject, /O=system:masters/);
  assert.match(cert.subject, /CN=admin/);
  assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
  assert.equal(cert.checkIssued(new X509Certificate(ca.cert)), true);
});

test("the apiserver certificate names loopback and the kubernetes Service", async () => {
  const ca = await createTestCa("test-ca");
  const serving = await issueCert(ca, {
    commonName: "kube-apiserver",
    usage: "server",
    ips: ["127.0.0.1", "10.0.0.1"],
    dnsNames: ["kubernetes.default.svc"],
  });
  const cert = new X509Certificate(serving.cert);
  assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1");
  assert.equal(cert.checkIP("10.0.0.1"), "10.0.0.1");
  assert.equal(cert.checkHost("kubernetes.default.svc"), "kubernetes.default.svc");
});

test("commas in names are escaped, not split into more RDNs", async () => {
  const ca = await createTestCa("test-ca");
  const c = await issueCert(ca, { commonName: "a,b", organizations: ["g=1"], usage: "client" });
  const subject = new X509Certificate(c.cert).subject;
  assert.doesNotMatch(subject, /^b$/m);
  assert.match(subject, /CN=a,b|CN=a\\,b/);
});

test("service-account keys are a matching EC pair in PEM", () => {
  const { publicKey, privateKey } = createServiceAccountKeys();
  assert.match(publicKey, /BEGIN PUBLIC KEY/);
  assert.match(privateKey, /BEGIN PRIVATE KEY/);
  assert.equal(createPublicKey(privateKey).export({ type: "spki", format: "pem" }), publicKey);
});
