import assert from "node:assert/strict";
import { test } from "node:test";
import { AsyncQueue } from "./async-queue.ts";

test("items pushed before and after the consumer waits arrive in order", async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  const got: number[] = [];
  const done = (async () => {
    for await (const n of q) got.push(n);
  })();
  await new Promise((r) => setTimeout(r, 5));
  q.push(2);
  q.end();
  await done;
  assert.deepEqual(got, [1, 2]);
});

test("a failure reaches a consumer that is already waiting", async () => {
  const q = new AsyncQueue<number>();
  const consumed = (async () => {
    for await (const _ of q);
  })();
  await new Promise((r) => setTimeout(r, 5));
  q.end(new Error("hash mismatch"));
  await assert.rejects(consumed, /hash mismatch/);
});

test("a failure after queued items comes once they are consumed", async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  q.end(new Error("late"));
  const got: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const n of q) got.push(n);
    })(),
    /late/,
  );
  assert.deepEqual(got, [1]);
});

test("the consumer leaving runs onClose", async () => {
  let closed = false;
  const q = new AsyncQueue<number>({
    onClose: () => {
      closed = true;
    },
  });
  q.push(1);
  for await (const _ of q) break;
  assert.ok(closed);
});
