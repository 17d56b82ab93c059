import assert from "node:assert/strict";
import { test } from "node:test";
import { BasaltError, errorCodes } from "@basalt/machinery";
import { Code, ConnectError } from "@connectrpc/connect";
import { fromConnectError, toConnectError } from "./connect-errors.ts";

test("every error code survives a round trip through ConnectError, hint included", () => {
  for (const code of errorCodes) {
    const back = fromConnectError(toConnectError(new BasaltError(code, "boom", { hint: "do this" })));
    assert.equal(back.code, code);
    assert.equal(back.message, "boom");
    assert.equal(back.hint, "do this");
  }
});

test("codes map onto the RPC status codes", () => {
  assert.equal(toConnectError(new BasaltError("permission_denied", "x")).code, Code.PermissionDenied);
  assert.equal(toConnectError(new Error("plain")).code, Code.Internal);
});

test("raw system errors become short, generic answers that do not echo the path", () => {
  const raw = (code: string) =>
    Object.assign(new Error(`${code}: boom, open '/proc/${"a".repeat(70_000)}'`), { code });
  assert.equal(toConnectError(raw("ENAMETOOLONG")).code, Code.InvalidArgument);
  assert.equal(toConnectError(raw("ELOOP")).code, Code.InvalidArgument);
  assert.equal(toConnectError(raw("EACCES")).code, Code.PermissionDenied);
  assert.equal(toConnectError(raw("ENOENT")).code, Code.NotFound);
  for (const code of ["ENAMETOOLONG", "ELOOP", "EACCES", "ENOENT", "EWHATEVER"]) {
    const e = toConnectError(raw(code));
    assert.ok(e.rawMessage.length <= 512, `${code}: ${e.rawMessage.length} characters`);
    assert.doesNotMatch(e.rawMessage, /aaaa/);
  }
});

test("long messages and hints are bounded; undecodable protobuf is the caller's invalid argument", () => {
  const long = toConnectError(
    new BasaltError("invalid_argument", `x${"p".repeat(70_000)}`, { hint: "h".repeat(9999) }),
  );
  assert.ok(long.rawMessage.length <= 512);
  assert.ok((long.metadata.get("basalt-hint") ?? "").length <= 512);
  const parse = toConnectError(new ConnectError("parse binary: premature EOF", Code.Internal));
  assert.equal(parse.code, Code.InvalidArgument);
});
