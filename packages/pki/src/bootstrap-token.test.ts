import assert from "node:assert/strict";
import { test } from "node:test";
import { bootstrapTokenPattern } from "@basalt/machinery";
import { generateBootstrapToken } from "./bootstrap-token.ts";

test("bootstrap tokens have the apiserver's format and differ each time", () => {
  const tokens = new Set(Array.from({ length: 50 }, generateBootstrapToken));
  assert.equal(tokens.size, 50);
  for (const t of tokens) assert.match(t, bootstrapTokenPattern);
});
