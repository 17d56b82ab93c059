import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { pointKubeconfigAt } from "./cluster-provisioner.ts";

test("the node's kubeconfig is pointed at the host-side forward and named after the cluster", () => {
  const fromNode = `apiVersion: v1
kind: Config
clusters:
  - name: kubernetes
    cluster: { server: "https://10.77.0.10:6443", certificate-authority-data: Q0E= }
users:
  - name: admin
    user: { client-certificate-data: Q0VSVA==, client-key-data: S0VZ }
contexts:
  - name: admin@kubernetes
    context: { cluster: kubernetes, user: admin }
current-context: admin@kubernetes
`;
  const out = parse(pointKubeconfigAt(fromNode, "https://127.0.0.1:41234", "demo"));
  assert.deepEqual(out.clusters, [
    { name: "demo", cluster: { server: "https://127.0.0.1:41234", "certificate-authority-data": "Q0E=" } },
  ]);
  assert.deepEqual(out.users, [
    { name: "demo-admin", user: { "client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ" } },
  ]);
  assert.deepEqual(out.contexts, [{ name: "demo", context: { cluster: "demo", user: "demo-admin" } }]);
  assert.equal(out["current-context"], "demo");
  assert.throws(() => pointKubeconfigAt("apiVersion: v1\n", "https://x", "demo"), /no cluster or user/);
});
