import assert from "node:assert/strict";
import { test } from "node:test";
import { waitFor } from "./wait-for.ts";

test("waitFor returns the first truthy value", async () => {
  let n = 0;
  assert.equal(
    await waitFor(() => (++n >= 3 ? `after ${n}` : undefined), 1000, "three tries", { intervalMs: 1 }),
    "after 3",
  );
});

test("waitFor treats errors as not yet, and times out naming what it waited for and the last error", async () => {
  await assert.rejects(
    waitFor(
      () => {
        throw new Error("connection refused");
      },
      50,
      "the apiserver",
      { intervalMs: 5 },
    ),
    (err: Error & { code?: string }) =>
      err.code === "deadline_exceeded" &&
      /the apiserver/.test(err.message) &&
      /connection refused/.test(err.message),
  );
});

test("waitFor describes the last state when given a function", async () => {
  let seen = 0;
  await assert.rejects(
    waitFor(
      () => ++seen > 1000,
      30,
      () => `1000 things (saw ${seen})`,
      { intervalMs: 5 },
    ),
    /1000 things \(saw \d+\)/,
  );
});

test("waitFor stops with the signal's reason", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error("etcd exited")), 20);
  await assert.rejects(
    waitFor(() => false, 5000, "never", { signal: ac.signal, intervalMs: 5 }),
    /etcd exited/,
  );
});
