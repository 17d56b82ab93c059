import assert from "node:assert/strict";
import { test } from "node:test";
import { type DecisionInput, decideLeadership, nextLeaseState, releasedLeaseState } from "./decide.ts";

const base: DecisionInput = {
  lease: undefined,
  observedAt: 100_000,
  now: 100_000,
  identity: "me",
  leaseDurationSeconds: 15,
};

const cases: {
  name: string;
  input: Partial<DecisionInput>;
  action: string;
  reason: RegExp;
  expiresInMs?: number;
}[] = [
  { name: "no Lease", input: {}, action: "create", reason: /no Lease exists yet/ },
  {
    name: "we hold it",
    input: { lease: { holderIdentity: "me", leaseDurationSeconds: 15 } },
    action: "renew",
    reason: /we hold the Lease/,
  },
  {
    name: "we hold it even if our own record looks stale (renewing is always allowed)",
    input: { lease: { holderIdentity: "me", leaseDurationSeconds: 15 }, now: 200_000 },
    action: "renew",
    reason: /we hold/,
  },
  {
    name: "released (empty holder)",
    input: { lease: { holderIdentity: "", leaseDurationSeconds: 1 } },
    action: "acquire",
    reason: /not held by anyone/,
  },
  {
    name: "holder absent",
    input: { lease: { leaseDurationSeconds: 15 } },
    action: "acquire",
    reason: /not held by anyone/,
  },
  {
    name: "another holder, just observed",
    input: { lease: { holderIdentity: "other", leaseDurationSeconds: 15 } },
    action: "wait",
    reason: /held by other; expires in 15\.0 s/,
    expiresInMs: 15_000,
  },
  {
    name: "another holder, unchanged for 14.9 s of 15",
    input: { lease: { holderIdentity: "other", leaseDurationSeconds: 15 }, now: 114_900 },
    action: "wait",
    reason: /expires in 0\.1 s/,
    expiresInMs: 100,
  },
  {
    name: "another holder, unchanged for exactly the duration",
    input: { lease: { holderIdentity: "other", leaseDurationSeconds: 15 }, now: 115_000 },
    action: "acquire",
    reason: /other has not renewed for 15\.0 s \(lease duration 15 s\)/,
  },
  {
    name: "the Lease's own duration wins over ours",
    input: { lease: { holderIdentity: "other", leaseDurationSeconds: 40 }, now: 120_000 },
    action: "wait",
    reason: /expires in 20\.0 s/,
    expiresInMs: 20_000,
  },
  {
    name: "a Lease without a duration falls back to ours",
    input: { lease: { holderIdentity: "other" }, now: 116_000 },
    action: "acquire",
    reason: /lease duration 15 s/,
  },
  {
    name: "renewTime in the Lease is not trusted (clock skew): a renewTime far in the past still waits",
    input: {
      lease: {
        holderIdentity: "other",
        leaseDurationSeconds: 15,
        renewTime: new Date("2000-01-01T00:00:00Z"),
      },
      now: 101_000,
    },
    action: "wait",
    reason: /expires in 14\.0 s/,
    expiresInMs: 14_000,
  },
];

for (const c of cases) {
  test(`decideLeadership: ${c.name}`, () => {
    const d = decideLeadership({ ...base, ...c.input });
    assert.equal(d.action, c.action);
    assert.match(d.reason, c.reason);
    if (c.expiresInMs !== undefined) {
      assert.equal(d.action, "wait");
      if (d.action === "wait") assert.equal(d.expiresInMs, c.expiresInMs);
    }
  });
}

test("nextLeaseState: a create starts a term at transition 0", () => {
  const now = new Date("2025-01-01T00:00:00Z");
  const s = nextLeaseState({ action: "create", reason: "" }, undefined, "me", 15, now);
  assert.deepEqual(s, {
    holderIdentity: "me",
    leaseDurationSeconds: 15,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: 0,
  });
});

test("nextLeaseState: an acquisition counts a transition and resets acquireTime", () => {
  const then = new Date("2025-01-01T00:00:00Z");
  const now = new Date("2025-01-01T00:01:00Z");
  const current = {
    holderIdentity: "other",
    leaseDurationSeconds: 15,
    acquireTime: then,
    renewTime: then,
    leaseTransitions: 3,
  };
  const s = nextLeaseState(
    { action: "acquire", reason: "", previousHolder: "other" },
    current,
    "me",
    15,
    now,
  );
  assert.deepEqual(s, {
    holderIdentity: "me",
    leaseDurationSeconds: 15,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: 4,
  });
});

test("nextLeaseState: a renewal keeps acquireTime and the transition count", () => {
  const then = new Date("2025-01-01T00:00:00Z");
  const now = new Date("2025-01-01T00:00:02Z");
  const current = {
    holderIdentity: "me",
    leaseDurationSeconds: 15,
    acquireTime: then,
    renewTime: then,
    leaseTransitions: 4,
  };
  const s = nextLeaseState({ action: "renew", reason: "" }, current, "me", 15, now);
  assert.deepEqual(s, {
    holderIdentity: "me",
    leaseDurationSeconds: 15,
    acquireTime: then,
    renewTime: now,
    leaseTransitions: 4,
  });
});

test("releasedLeaseState: empty holder, 1 s duration, transitions kept", () => {
  const now = new Date("2025-01-01T00:00:02Z");
  const s = releasedLeaseState({ holderIdentity: "me", leaseTransitions: 4 }, now);
  assert.deepEqual(s, {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: 4,
  });
  assert.equal(decideLeadership({ ...base, lease: s, identity: "other" }).action, "acquire");
});
