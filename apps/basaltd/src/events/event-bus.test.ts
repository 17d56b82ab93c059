import assert from "node:assert/strict";
import { test } from "node:test";
import { EventBus, eventMessage } from "./event-bus.ts";

test("a follower that leaves while the history is still being sent is not leaked", async () => {
  const bus = new EventBus();
  for (let i = 0; i < 5; i++) bus.publish("daemon", "basaltd", `event ${i}`);
  for (let i = 0; i < 100; i++) {
    const stream = bus.stream({ tail: 0, follow: true });
    await stream.next();
    await stream.return(undefined);
  }
  assert.equal(bus.followers, 0);
});

test("a follower that leaves while waiting for events, or is aborted, is removed", async () => {
  const bus = new EventBus();
  const controller = new AbortController();
  const stream = bus.stream({ tail: 0, follow: true, signal: controller.signal });
  const pending = stream.next();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(bus.followers, 1);
  controller.abort();
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.equal(bus.followers, 0);
});

test("followers are capped with a clear error", async () => {
  const bus = new EventBus(10, { maxFollowers: 3 });
  const controller = new AbortController();
  const streams = [1, 2, 3].map(() => bus.stream({ tail: 0, follow: true, signal: controller.signal }));
  const pending = streams.map((s) => s.next());
  await new Promise((r) => setTimeout(r, 5));
  await assert.rejects(bus.stream({ tail: 0, follow: true }).next(), /3 streams already follow/);
  controller.abort();
  await Promise.all(pending);
  assert.equal(bus.followers, 0);
  const again = new AbortController();
  const next = bus.stream({ tail: 0, follow: true, signal: again.signal }).next();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(bus.followers, 1);
  again.abort();
  await next;
});

test("readers see the redacted message, admins the whole one", () => {
  const bus = new EventBus();
  const e = bus.publish("service", "web", "starting /bin/web --token s3cret", {
    forReaders: "starting /bin/web (1 argument hidden)",
  });
  assert.equal(eventMessage(e, true), "starting /bin/web --token s3cret");
  assert.equal(eventMessage(e, false), "starting /bin/web (1 argument hidden)");
});
