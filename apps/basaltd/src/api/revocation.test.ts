import assert from "node:assert/strict";
import { test } from "node:test";
import { Revocation } from "./revocation.ts";

test("serials match however they are written (case, colons, leading zeros)", () => {
  const r = new Revocation(["4f:2a:9c:01", "00ABCD"]);
  assert.equal(r.isRevoked("4F2A9C01"), true);
  assert.equal(r.isRevoked("ABCD"), true);
  assert.equal(r.isRevoked("abcd"), true);
  assert.equal(r.isRevoked("ABCE"), false);
  assert.equal(r.isRevoked(""), false);
  assert.equal(r.isRevoked(undefined), false);
  r.update([]);
  assert.equal(r.isRevoked("4F2A9C01"), false);
});
