/**
 * Smoke test: Lease-based leader election (@basalt/kube) against a real apiserver. Two candidates,
 * exactly one leads; when the leader is cut off from the apiserver it stops acting by its renew
 * deadline and the other takes over within the lease duration; never do both act at once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeApiError, KubeLeaseLock, LeaderElector } from "@basalt/kube";
import { SeverableLeaseLock, useControlPlane, waitFor } from "@basalt/testkit";

const cluster = useControlPlane();
const timing = { leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };
const sixDigits = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

interface Lease {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    renewTime?: string;
    acquireTime?: string;
    leaseTransitions?: number;
  };
}
const leases = "/apis/coordination.k8s.io/v1/namespaces/default/leases";

test("MicroTime: the apiserver refuses 3 fractional digits and keeps the 6 KubeLeaseLock sends", async () => {
  const kube = cluster().kube;
  const lease = (name: string, renewTime: string) => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name },
    spec: { renewTime },
  });
  // A plain Date's JSON (…sss Z) is refused.
  const refused = await kube
    .request({ method: "POST", path: leases, body: lease("plain-date", new Date().toISOString()) })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  assert.ok(refused instanceof KubeApiError, "a 3-digit MicroTime must be refused");
  assert.equal(refused.status, 400);
  assert.equal(refused.code, "invalid_argument");
  // What the lock writes is accepted and read back as it was written.
  const lock = new KubeLeaseLock(kube, "default", "micro-time");
  const at = new Date("2025-01-02T03:04:05.678Z");
  await lock.create({ holderIdentity: "x", renewTime: at, acquireTime: at }, AbortSignal.timeout(5000));
  const raw = await kube.request<Lease>({ method: "GET", path: `${leases}/micro-time` });
  assert.equal(raw.spec?.renewTime, "2025-01-02T03:04:05.678000Z");
  assert.equal((await lock.get(AbortSignal.timeout(5000)))?.renewTime?.toISOString(), at.toISOString());
  // A second create is `already_exists`; an update at a stale version `failed_precondition`.
  await assert.rejects(lock.create({ holderIdentity: "y" }, AbortSignal.timeout(5000)), {
    code: "already_exists",
  });
  await assert.rejects(lock.update("1", { holderIdentity: "y" }, AbortSignal.timeout(5000)), {
    code: "failed_precondition",
  });
});

test("two candidates: one leads; cut off, it stops by its renew deadline and the other takes over", async (t) => {
  const cp = cluster();
  const lease = { namespace: "default", name: "basalt-upgrade-controller" };
  const readLease = () => cp.kube.request<Lease>({ method: "GET", path: `${leases}/${lease.name}` });
  const acting = new Set<string>();
  const events: { at: number; what: string }[] = [];
  const signals = new Map<string, AbortSignal>();
  const notes: string[] = [];
  const t0 = performance.now();
  const log = (what: string) => events.push({ at: performance.now() - t0, what });

  const candidates = ["candidate-a", "candidate-b"].map((identity) => {
    const lock = new SeverableLeaseLock(new KubeLeaseLock(cp.kube, lease.namespace, lease.name));
    const elector = new LeaderElector(
      lock,
      { ...lease, identity, ...timing },
      {
        onStartedLeading: (signal) => {
          assert.equal(acting.size, 0, `${identity} starts while ${[...acting]} still acts`);
          acting.add(identity);
          signals.set(identity, signal);
          log(`${identity} leads`);
          signal.addEventListener("abort", () => {
            acting.delete(identity);
            log(`${identity} stops`);
          });
        },
      },
      { log: (m) => notes.push(`${(performance.now() - t0).toFixed(0)} ms ${m}`) },
    );
    const stop = new AbortController();
    return { identity, lock, elector, stop, run: elector.run(stop.signal) };
  });

  try {
    await waitFor(() => acting.size === 1, 5000, "a leader");
    const leader = candidates.find((c) => c.elector.isLeader)!;
    const other = candidates.find((c) => c !== leader)!;
    const held = await readLease();
    assert.equal(held.spec?.holderIdentity, leader.identity);
    assert.equal(held.spec?.leaseDurationSeconds, timing.leaseDurationSeconds);
    assert.match(String(held.spec?.renewTime), sixDigits);
    assert.match(String(held.spec?.acquireTime), sixDigits);

    // It keeps renewing past a lease duration, and nobody else starts meanwhile.
    await sleep((timing.leaseDurationSeconds + 1) * 1000);
    assert.deepEqual([...acting], [leader.identity]);
    const renewed = await readLease();
    assert.notEqual(String(renewed.spec?.renewTime), String(held.spec?.renewTime));
    assert.equal(other.elector.leader, leader.identity);

    // Partition the leader from the apiserver.
    const cut = performance.now();
    leader.lock.severed = true;
    await waitFor(
      () => signals.get(leader.identity)!.aborted,
      10_000,
      "the deposed leader's signal to abort",
    );
    const stoppedAfter = performance.now() - cut;
    await waitFor(() => other.elector.isLeader, 10_000, "the other candidate to lead");
    const tookOverAfter = performance.now() - cut;
    t.diagnostic(
      `leader cut off: it stopped after ${stoppedAfter.toFixed(0)} ms, the other led after ${tookOverAfter.toFixed(0)} ms`,
    );
    // By its renew deadline (from its last renewal, at most that long after the cut; plus timer slack).
    assert.ok(stoppedAfter <= timing.renewDeadlineSeconds * 1000 + 750, `stopped after ${stoppedAfter} ms`);
    // Within the lease duration of the last renewal it observed. It may observe that renewal up to
    // one retry period (×1.2 jitter) after the cut, and tries again up to one retry period after the
    // lease expires: so at most lease + 2 × 1.2 × retry after the cut, plus a request and slack.
    const bound = (timing.leaseDurationSeconds + 2 * 1.2 * timing.retryPeriodSeconds) * 1000 + 750;
    assert.ok(tookOverAfter <= bound, `took over after ${tookOverAfter} ms (bound ${bound})`);
    assert.deepEqual(
      events.map((e) => e.what),
      [`${leader.identity} leads`, `${leader.identity} stops`, `${other.identity} leads`],
    );
    const taken = await readLease();
    assert.equal(taken.spec?.holderIdentity, other.identity);
    assert.equal(taken.spec?.leaseTransitions, 1);

    // Healed, the old leader follows the new one.
    leader.lock.severed = false;
    await sleep(3 * timing.retryPeriodSeconds * 1000);
    assert.equal(leader.elector.isLeader, false);
    assert.equal(leader.elector.leader, other.identity);
    assert.deepEqual([...acting], [other.identity]);
  } finally {
    for (const c of candidates) c.stop.abort();
    await Promise.all(candidates.map((c) => c.run));
    for (const n of notes) t.diagnostic(n);
  }
  // The leader released the Lease on the way out.
  assert.equal((await readLease()).spec?.holderIdentity ?? "", "");
});
