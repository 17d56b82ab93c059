import assert from "node:assert/strict";
import { test } from "node:test";
import { describeJoinAnswer } from "./join-check.ts";

const ep = "https://10.0.0.1:6443";
const token = "abcdef.0123456789abcdef";

test("each answer of the apiserver becomes an actionable verdict that never shows the token's secret", () => {
  const cases = [
    [{ status: 200 }, true, /accepts the bootstrap token abcdef\.<redacted>/],
    [
      { status: 401 },
      false,
      /rejected the bootstrap token abcdef\.<redacted> \(401 Unauthorized\): the token is wrong/,
    ],
    [{ status: 403 }, false, /bind the system:node-bootstrapper ClusterRole to system:bootstrappers/],
    [{ status: 500 }, false, /answered 500/],
    [
      { error: { code: "ECONNREFUSED", message: "connect ECONNREFUSED" } },
      false,
      /cannot reach the apiserver at https:\/\/10\.0\.0\.1:6443 \(ECONNREFUSED\)/,
    ],
    [
      { error: { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", message: "x" } },
      false,
      /kubernetes\.ca does not verify/,
    ],
    [
      { error: { code: "DEPTH_ZERO_SELF_SIGNED_CERT", message: "x" } },
      false,
      /is kubernetes\.ca the cluster's CA/,
    ],
  ] as const;
  for (const [answer, ok, message] of cases) {
    const r = describeJoinAnswer(ep, token, answer);
    assert.equal(r.ok, ok, JSON.stringify(answer));
    assert.match(r.message, message);
    assert.doesNotMatch(r.message, /0123456789abcdef/);
  }
});
