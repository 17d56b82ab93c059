import assert from "node:assert/strict";
import { test } from "node:test";
import { BasaltError, errorCodes } from "@basalt/machinery";
import { Code } from "@connectrpc/connect";
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
