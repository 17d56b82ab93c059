import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BasaltError } from "@basalt/machinery";
import { MemoryLeaseLock, SeverableLeaseLock } from "@basalt/testkit";
import { LeaderElector } from "./leader-elector.ts";
import type { LeaderElectionOptions } from "./options.ts";

const timing = { leaseDurationSeconds: 1, renewDeadlineSeconds: 0.6, retryPeriodSeconds: 0.1 };

/** Candidates on one in-memory Lease, recording who acts when; asserts no two act at once. */
function candidates(names: string[]) {
  const store = new MemoryLeaseLock();
  const acting = new Set<string>();
  const events: string[] = [];
  const signals = new Map<string, AbortSignal>();
  const make = (identity: string) => {
    const lock = new SeverableLeaseLock(store);
    const options: LeaderElectionOptions = { namespace: "t", name: "l", identity, ...timing };
    const elector = new LeaderElector(lock, options, {
      onStartedLeading: (signal) => {
        assert.equal(acting.size, 0, `${identity} starts leading while ${[...acting]} still acts`);
        acting.add(identity);
        signals.set(identity, signal);
        events.push(`${identity} leads`);
        signal.addEventListener("abort", () => {
          acting.delete(identity);
          events.push(`${identity} deposed`);
        });
      },
    });
    return { identity, lock, elector, stop: new AbortController() };
  };
  const all = names.map(make);
  const runs = all.map((c) => c.elector.run(c.stop.signal));
  return { store, acting, events, signals, all, runs };
}

const until = async (what: string, ms: number, cond: () => boolean) => {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(10);
  }
};

test("of two candidates exactly one leads, and the other takes over when it is partitioned", async () => {
  const c = candidates(["a", "b"]);
  await until("a leader", 1000, () => c.acting.size === 1);
  await sleep(500); // several renewals: still the same single leader
  assert.equal(c.acting.size, 1);
  const leader = c.all.find((x) => x.elector.isLeader)!;
  const other = c.all.find((x) => x !== leader)!;
  assert.equal(other.elector.leader, leader.identity);

  const cutAt = performance.now();
  leader.lock.severed = true;
  await until("the deposed leader's signal aborts", 1500, () => c.signals.get(leader.identity)!.aborted);
  const deposedAfter = performance.now() - cutAt;
  assert.ok(deposedAfter <= timing.renewDeadlineSeconds * 1000 + 400, `deposed after ${deposedAfter} ms`);
  assert.ok(c.signals.get(leader.identity)!.reason instanceof BasaltError);
  await until("the other leads", 2500, () => other.elector.isLeader);
  const tookOverAfter = performance.now() - cutAt;
  assert.ok(
    tookOverAfter <= timing.leaseDurationSeconds * 1000 + 2 * 120 + 400,
    `took over after ${tookOverAfter} ms`,
  );
  assert.deepEqual(c.events, [
    `${leader.identity} leads`,
    `${leader.identity} deposed`,
    `${other.identity} leads`,
  ]);

  leader.lock.severed = false; // healed: the old leader sees the new one and stays a follower
  await sleep(400);
  assert.equal(leader.elector.isLeader, false);
  assert.equal(leader.elector.leader, other.identity);
  assert.equal(c.store.current?.leaseTransitions, 1);

  for (const x of c.all) x.stop.abort();
  await Promise.all(c.runs);
});

test("a leader that is cancelled releases the Lease, and a successor takes it at once", async () => {
  const c = candidates(["a", "b"]);
  await until("a leader", 1000, () => c.acting.size === 1);
  const leader = c.all.find((x) => x.elector.isLeader)!;
  const other = c.all.find((x) => x !== leader)!;
  const t = performance.now();
  leader.stop.abort();
  await c.runs[c.all.indexOf(leader)];
  assert.equal(c.signals.get(leader.identity)!.aborted, true);
  await until("the successor leads", 800, () => other.elector.isLeader);
  assert.ok(performance.now() - t < timing.leaseDurationSeconds * 1000, "faster than waiting out the lease");
  other.stop.abort();
  await Promise.all(c.runs);
  assert.equal(c.store.current?.holderIdentity, "", "released on cancel");
});

test("timing that could let two leaders overlap is refused", () => {
  const lock = new MemoryLeaseLock();
  const cb = { onStartedLeading: () => {} };
  const base = { namespace: "t", name: "l", identity: "a" };
  assert.throws(
    () => new LeaderElector(lock, { ...base, leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }, cb),
    {
      code: "invalid_argument",
    },
  );
  assert.throws(
    () => new LeaderElector(lock, { ...base, renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }, cb),
    {
      code: "invalid_argument",
    },
  );
  assert.throws(() => new LeaderElector(lock, { ...base, identity: "" }, cb), { code: "invalid_argument" });
});
