import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ControlLoop } from "./control-loop.ts";

test("the loop sleeps until the deadline a pass returns, not on a fixed resync", async () => {
  const at: number[] = [];
  const t0 = Date.now();
  const loop = new ControlLoop({
    // First pass: come back in 150 ms; after that, nothing is due.
    pass: async () => {
      at.push(Date.now() - t0);
      return at.length === 1 ? Date.now() + 150 : undefined;
    },
    maxIdleMs: 10_000,
  });
  const stop = new AbortController();
  const running = loop.run(stop.signal);
  await sleep(600);
  stop.abort();
  await running;
  assert.equal(at.length, 2, `passes at ${at.join(", ")} ms`);
  assert.ok(at[1]! >= 140 && at[1]! < 450, `second pass at ${at[1]} ms`);
});

test("a trigger wakes it at once (after the debounce); abort ends it without waiting", async () => {
  let passes = 0;
  const loop = new ControlLoop({ pass: async () => void passes++, debounceMs: 5, maxIdleMs: 60_000 });
  const stop = new AbortController();
  const running = loop.run(stop.signal);
  await sleep(30);
  assert.equal(passes, 1);
  loop.trigger();
  loop.trigger();
  await sleep(50);
  assert.equal(passes, 2, "two triggers within the debounce are one pass");
  const stopped = Date.now();
  stop.abort();
  await running;
  assert.ok(Date.now() - stopped < 100, "abort does not wait for the idle timeout");
});

test("one abort listener for the whole run, however many sleeps", async () => {
  const stop = new AbortController();
  let added = 0;
  const add = stop.signal.addEventListener.bind(stop.signal);
  stop.signal.addEventListener = ((...args: Parameters<typeof add>) => {
    added++;
    return add(...args);
  }) as typeof add;
  let passes = 0;
  const loop = new ControlLoop({
    pass: async () => {
      passes++;
      return Date.now() + 5;
    },
    maxIdleMs: 1000,
  });
  const running = loop.run(stop.signal);
  await sleep(150);
  stop.abort();
  await running;
  assert.ok(passes >= 5, `${passes} passes`);
  assert.equal(added, 1);
});
