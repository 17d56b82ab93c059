import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { parse } from "yaml";
import { adminKubeconfig, adminValiditySeconds } from "./admin-kubeconfig.ts";
import { controlPlaneConfig } from "./test-support/control-plane-fixture.ts";
import { k8sConfig } from "./test-support/k8s-fixture.ts";

test("validity: 0 is the 24 h default; too short or longer than a year is refused with the range", () => {
  assert.equal(adminValiditySeconds(0), 86_400);
  assert.equal(adminValiditySeconds(3600), 3600);
  assert.throws(() => adminValiditySeconds(10), /between 60 s and 31622400 s \(a year\), not 10 s/);
  assert.throws(() => adminValiditySeconds(400 * 86_400), /not 34560000 s/);
});

test("an admin kubeconfig: system:masters, signed by the cluster CA, the endpoint, the asked validity", async () => {
  const k8s = await controlPlaneConfig();
  const now = new Date("2026-11-30T12:00:00Z");
  const { kubeconfig, expires } = await adminKubeconfig(k8s, 7200, now);
  assert.equal(expires.toISOString(), "2026-11-30T14:00:00.000Z");
  const doc = parse(kubeconfig);
  assert.equal(doc.clusters[0].cluster.server, "https://10.0.0.1:6443");
  const cert = new X509Certificate(Buffer.from(doc.users[0].user["client-certificate-data"], "base64"));
  assert.match(cert.subject, /O=system:masters/);
  assert.ok(cert.verify(new X509Certificate(k8s.ca).publicKey));
  assert.equal(new Date(cert.validTo).toISOString(), "2026-11-30T14:00:00.000Z");
  await assert.rejects(adminKubeconfig(k8sConfig(), 0), /not a control-plane node/);
});
