import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseMachineConfig } from "@basalt/machinery";
import { createCa, issueLeaf, newClusterPki } from "@basalt/pki";
import { stringify } from "yaml";
import { controlPlaneEndpoint, controlPlaneMachineConfig } from "./controlplane-config.ts";
import { controlPlaneSecrets, readSecrets, renderSecrets } from "./secrets-file.ts";
import { parseWorkerSpec } from "./worker-config.ts";

test("a control-plane config is a valid machine config that runs the control plane at its own address", async () => {
  const ca = await createCa("basalt-os-ca");
  const k = await newClusterPki();
  const serving = await issueLeaf(ca, { commonName: "cp", ips: ["10.0.0.10"], usage: "server" });
  const input = controlPlaneMachineConfig({
    worker: parseWorkerSpec("cp=10.0.0.10/24"),
    api: { ca: ca.cert, serving },
    kubernetes: k,
    clusterName: "demo",
    gateway: "10.0.0.1",
    shape: { certSANs: ["127.0.0.1"], podCIDR: "10.250.0.0/16" },
  });
  const config = parseMachineConfig(stringify(input));
  const kc = config.kubernetes!;
  assert.equal(kc.role, "controlplane");
  assert.equal(kc.endpoint, "https://10.0.0.10:6443");
  assert.equal(controlPlaneEndpoint("10.0.0.10"), kc.endpoint);
  assert.equal(kc.nodeIP, "10.0.0.10");
  assert.equal(kc.ca, k.ca.cert);
  assert.equal(kc.bootstrapToken, k.bootstrapToken);
  assert.equal(kc.controlPlane?.caKey, k.ca.key);
  assert.deepEqual(kc.controlPlane?.etcdCA, k.etcdCA);
  assert.deepEqual(kc.controlPlane?.frontProxyCA, k.frontProxyCA);
  assert.equal(kc.controlPlane?.serviceAccountKey, k.serviceAccountKey);
  assert.equal(kc.controlPlane?.podCIDR, "10.250.0.0/16");
  assert.equal(kc.controlPlane?.serviceCIDR, "10.96.0.0/12", "schema default");
  assert.deepEqual(kc.controlPlane?.certSANs, ["127.0.0.1"]);
  assert.equal(kc.controlPlane?.schedulable, false);
  assert.equal(config.node.mode, "init");
  assert.equal(config.api.listen, "10.0.0.10:50000");
  assert.doesNotMatch(stringify(input), new RegExp(ca.key.split("\n")[1]!), "the node API CA key stays out");
});

test("an older secrets file is refused for a control plane with the upgrade command as the hint", async () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-secrets-"));
  const path = join(dir, "secrets.yaml");
  const ca = await createCa("basalt-os-ca");
  const full = await newClusterPki();
  writeFileSync(
    path,
    renderSecrets({ ca, kubernetes: { ca: full.ca, bootstrapToken: full.bootstrapToken } }),
  );
  const old = readSecrets(path);
  assert.throws(
    () => controlPlaneSecrets(old, path),
    (err: Error & { hint?: string }) =>
      /lacks .*etcdCA, frontProxyCA, serviceAccountKey/.test(err.message) &&
      /gen secrets --upgrade/.test(err.hint ?? ""),
  );
  assert.throws(() => controlPlaneSecrets({ ca }, path), /lacks .*kubernetes/);
  const k = full;
  writeFileSync(path, renderSecrets({ ca, kubernetes: k }));
  assert.deepEqual(controlPlaneSecrets(readSecrets(path), path).etcdCA, k.etcdCA);
  writeFileSync(path, renderSecrets({ ca, kubernetes: { ...k, serviceAccountKey: "nope" } }));
  assert.throws(() => readSecrets(path), /serviceAccountKey/);
});
