import assert from "node:assert/strict";
import { test } from "node:test";
import { errorCodeFor, hasStatus, kubeErrorFrom } from "./api-errors.ts";

test("HTTP statuses map to one set of Basalt codes (5xx: unavailable, but 504)", () => {
  const cases: [number, string, string][] = [
    [0, "", "unavailable"],
    [400, "BadRequest", "invalid_argument"],
    [401, "Unauthorized", "unauthenticated"],
    [403, "Forbidden", "permission_denied"],
    [404, "NotFound", "not_found"],
    [409, "AlreadyExists", "already_exists"],
    [409, "Conflict", "failed_precondition"],
    [410, "Expired", "failed_precondition"],
    [422, "Invalid", "invalid_argument"],
    [429, "TooManyRequests", "resource_exhausted"],
    [500, "InternalError", "unavailable"],
    [502, "", "unavailable"],
    [503, "ServiceUnavailable", "unavailable"],
    [504, "Timeout", "deadline_exceeded"],
    [418, "", "internal"],
  ];
  for (const [status, reason, code] of cases)
    assert.equal(errorCodeFor(status, reason), code, `${status} ${reason}`);
});

test("a Status body gives reason, message, causes; Retry-After is read as seconds", () => {
  const body = JSON.stringify({
    kind: "Status",
    reason: "TooManyRequests",
    message: "slow down",
    details: { causes: [{ reason: "X", message: "y" }] },
  });
  const err = kubeErrorFrom(429, body, "GET /x", "3");
  assert.equal(err.reason, "TooManyRequests");
  assert.equal(err.code, "resource_exhausted");
  assert.equal(err.retryAfterSeconds, 3);
  assert.deepEqual(err.causes, [{ reason: "X", message: "y" }]);
  assert.match(err.message, /GET \/x: 429 TooManyRequests: slow down/);
  assert.ok(hasStatus(err, 429));
  assert.ok(!hasStatus(err, 409));
  const plain = kubeErrorFrom(502, "<html>bad gateway</html>", "GET /y");
  assert.equal(plain.reason, "");
  assert.equal(plain.retryAfterSeconds, undefined);
  assert.match(plain.message, /bad gateway/);
});
