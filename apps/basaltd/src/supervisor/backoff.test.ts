import assert from "node:assert/strict";
import { test } from "node:test";
import { crashesAfterRun, restartDelay, shouldRestart } from "./backoff.ts";

test("delays double up to the cap", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 10, 20].map((n) => restartDelay(n)),
    [0, 500, 1000, 2000, 4000, 30_000, 30_000],
  );
});

test("a stable run resets the crash count", () => {
  assert.equal(crashesAfterRun(5, 60_000), 1);
  assert.equal(crashesAfterRun(5, 200), 6);
});

test("restart policies", () => {
  const cases: [Parameters<typeof shouldRestart>[0], number | null, string | null, boolean][] = [
    ["always", 0, null, true],
    ["always", null, "SIGKILL", true],
    ["on-failure", 0, null, false],
    ["on-failure", 1, null, true],
    ["on-failure", null, "SIGSEGV", true],
    ["never", 1, null, false],
  ];
  for (const [policy, code, signal, want] of cases) {
    const d = shouldRestart(policy, { code, signal });
    assert.equal(d.restart, want, `${policy} ${code} ${signal}: ${d.reason}`);
    assert.ok(d.reason.length > 0);
  }
});
