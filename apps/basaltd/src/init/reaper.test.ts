import assert from "node:assert/strict";
import { test } from "node:test";
import { orphansToReap, zombieChildOfInit } from "./reaper.ts";

test("only orphans seen twice are reaped, never our own children", () => {
  assert.deepEqual(orphansToReap([10, 11, 12], new Set([11]), new Set([10, 11])), [10]);
  assert.deepEqual(orphansToReap([12], new Set(), new Set()), []);
});

test("zombie children of PID 1 are recognised from /proc/<pid>/stat", () => {
  assert.equal(zombieChildOfInit("42 (sleep (x)) Z 1 42 42 0 -1"), 42);
  assert.equal(zombieChildOfInit("43 (sleep) S 1 43 43 0 -1"), undefined);
  assert.equal(zombieChildOfInit("44 (sleep) Z 7 44 44 0 -1"), undefined);
});
