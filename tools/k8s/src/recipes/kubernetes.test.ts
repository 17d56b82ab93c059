import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { multicallSource } from "./kubernetes.ts";

// A wrong relative path here only shows on a cold build, long after the move that broke it.
test("the multi-call recipe copies a source file that exists", () => {
  assert.ok(existsSync(multicallSource), multicallSource);
});
