import assert from "node:assert/strict";
import { test } from "node:test";
import { checkNodeNamed, nodeNotNamedCode } from "./node-identity.ts";

test("a serving certificate names a node only by an exact DNS entry", () => {
  assert.equal(checkNodeNamed("rr-0", { subjectaltname: "DNS:rr-0, IP Address:127.0.0.1" }), undefined);
  for (const san of [
    "DNS:rr-1, IP Address:127.0.0.1",
    "DNS:*, DNS:rr-00",
    "IP Address:127.0.0.1",
    "",
    undefined,
  ]) {
    const err = checkNodeNamed("rr-0", { subjectaltname: san as string });
    assert.ok(err, `${san} must not name rr-0`);
    assert.equal((err as Error & { code: string }).code, nodeNotNamedCode);
    assert.match(err.message, /does not name Kubernetes node "rr-0"/);
  }
});
