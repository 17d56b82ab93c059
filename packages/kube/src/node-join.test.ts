import assert from "node:assert/strict";
import { test } from "node:test";
import { BasaltError } from "@basalt/machinery";
import { nodeJoinObjects, parseBootstrapToken } from "./node-join.ts";

const token = "abcdef.0123456789abcdef";

test("the token Secret has the name, type and fields the apiserver's bootstrap authenticator reads", () => {
  const { secret } = nodeJoinObjects(token, { expiration: new Date("2030-01-02T03:04:05.678Z") });
  assert.equal(secret.type, "bootstrap.kubernetes.io/token");
  assert.equal(secret.metadata?.name, "bootstrap-token-abcdef");
  assert.equal(secret.metadata?.namespace, "kube-system");
  assert.equal(secret.stringData?.["token-id"], "abcdef");
  assert.equal(secret.stringData?.["token-secret"], "0123456789abcdef");
  assert.equal(secret.stringData?.["usage-bootstrap-authentication"], "true");
  assert.equal(secret.stringData?.["auth-extra-groups"], "system:bootstrappers:worker");
  assert.equal(secret.stringData?.expiration, "2030-01-02T03:04:05Z");
  assert.equal(nodeJoinObjects(token).secret.stringData?.expiration, undefined);
});

test("RBAC: bootstrappers may ask for and get client certificates; nodes renew theirs and run kube-proxy", () => {
  const pairs = nodeJoinObjects(token).clusterRoleBindings.map((b) => [
    b.roleRef.name,
    b.subjects?.map((s) => `${s.kind}:${s.name}`).join(","),
  ]);
  assert.deepEqual(pairs, [
    ["system:node-bootstrapper", "Group:system:bootstrappers"],
    ["system:certificates.k8s.io:certificatesigningrequests:nodeclient", "Group:system:bootstrappers"],
    ["system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", "Group:system:nodes"],
    ["system:node-proxier", "Group:system:nodes"],
  ]);
});

test("a malformed token is refused without echoing it", () => {
  for (const bad of ["abcdef0123456789abcdef", "ABCDEF.0123456789abcdef", "abcde.0123456789abcdef", ""]) {
    assert.throws(
      () => parseBootstrapToken(bad),
      (err: unknown) =>
        err instanceof BasaltError &&
        err.code === "invalid_argument" &&
        (bad === "" || !err.message.includes(bad)),
    );
  }
});
