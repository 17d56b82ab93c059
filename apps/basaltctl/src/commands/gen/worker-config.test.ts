import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMachineConfig } from "@basalt/machinery";
import { createCa, generateBootstrapToken, issueLeaf } from "@basalt/pki";
import { stringify } from "yaml";
import { parseEndpoint, parseWorkerSpec, workerMachineConfig } from "./worker-config.ts";

test("worker specs and endpoints are checked with a hint", () => {
  assert.deepEqual(parseWorkerSpec("w1=10.0.0.11/24"), { name: "w1", address: "10.0.0.11", prefix: 24 });
  assert.deepEqual(parseWorkerSpec("w2=10.0.0.12"), { name: "w2", address: "10.0.0.12" });
  assert.throws(() => parseWorkerSpec("W1=10.0.0.11"), /is not NAME=IPV4/);
  assert.throws(() => parseWorkerSpec("w1=10.0.0.300"), /is not NAME=IPV4/);
  assert.throws(() => parseWorkerSpec("w1=10.0.0.1/40"), /is not NAME=IPV4/);
  assert.equal(parseEndpoint("https://10.0.0.1:6443/"), "https://10.0.0.1:6443");
  assert.throws(() => parseEndpoint("http://10.0.0.1:6443"), /not an https URL/);
  assert.throws(() => parseEndpoint("10.0.0.1:6443"), /not an https URL/);
});

test("a generated worker config is a valid init-mode machine config that joins with the token", async () => {
  const ca = await createCa("basalt-os-ca");
  const kubeCa = await createCa("kubernetes");
  const token = generateBootstrapToken();
  const serving = await issueLeaf(ca, { commonName: "w1", ips: ["10.0.0.11"], usage: "server" });
  const input = workerMachineConfig({
    worker: parseWorkerSpec("w1=10.0.0.11/24"),
    api: { ca: ca.cert, serving },
    kubernetes: { ca: kubeCa, bootstrapToken: token },
    endpoint: "https://10.0.0.1:6443",
    clusterName: "test",
    gateway: "10.0.0.1",
  });
  const config = parseMachineConfig(stringify(input));
  assert.equal(config.node.mode, "init");
  assert.equal(config.api.listen, "10.0.0.11:50000");
  assert.deepEqual(config.network?.interfaces[0]?.addresses, ["10.0.0.11/24"]);
  assert.deepEqual(config.network?.interfaces[0]?.routes, [{ to: "default", via: "10.0.0.1" }]);
  assert.equal(config.kubernetes?.bootstrapToken, token);
  assert.equal(config.kubernetes?.ca, kubeCa.cert);
  assert.equal(config.kubernetes?.nodeIP, "10.0.0.11");
  assert.doesNotMatch(
    stringify(input),
    new RegExp(kubeCa.key.split("\n")[1]!),
    "the Kubernetes CA key stays in secrets.yaml",
  );
});
