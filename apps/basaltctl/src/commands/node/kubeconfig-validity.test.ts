import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration } from "./kubeconfig-validity.ts";

test("kubeconfig validity durations", () => {
  assert.equal(parseDuration("90"), 90);
  assert.equal(parseDuration("90m"), 5400);
  assert.equal(parseDuration("24h"), 86_400);
  assert.equal(parseDuration("7d"), 604_800);
  for (const bad of ["0", "-1h", "1w", "", "1.5h", "99999999999d"])
    assert.throws(() => parseDuration(bad), /not a positive duration/, bad);
});
