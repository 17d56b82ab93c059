import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterState } from "./cluster-state.ts";
import type { UpgradePlanSpec } from "./plan-spec.ts";
import { plan } from "./planner.ts";
import { cluster, done, names, node, ours, spec, t0 } from "./test-support/fixtures.ts";

/**
 * The planner says when to come back: the earliest instant the clock alone changes its answer.
 * Each case also plans again at that instant and one millisecond before, to show the deadline is
 * exactly where the answer changes (not merely some time later).
 */
interface Case {
  name: string;
  state: ClusterState;
  spec: UpgradePlanSpec;
  /** The expected deadline, as ms after t0; undefined: nothing but the cluster can change the answer. */
  after?: number;
  /** Where the node the case is about stands before and at the deadline. */
  node?: string;
}

const s = 1000;
const cases: Case[] = [
  {
    name: "nothing to do: no deadline",
    state: cluster([node("n1", { versions: { os: "1.1.0" } })]),
    spec: spec(),
  },
  {
    name: "a node starts now: no deadline (its cordon will be a watch event)",
    state: cluster([node("n1")]),
    spec: spec(),
  },
  {
    name: "outside the window: when it opens",
    state: cluster([node("n1")]),
    // t0 is Monday 10:00 UTC; the window opens at 12:00.
    spec: spec({ windows: [{ days: ["Mon"], start: "12:00", end: "13:00", timeZone: "UTC" }] }),
    after: 2 * 3600 * s,
    node: "n1",
  },
  {
    name: "soaking after the canary: when the soak ends",
    state: cluster([done("n1", 0, 30), node("n2")]),
    spec: spec({ progression: { canary: 1, soakSeconds: 300 } }),
    after: 270 * s,
    node: "n2",
  },
  {
    name: "upgrading: when the upgrade times out",
    state: cluster([ours("n1", "upgrading", { state: { agoSeconds: 100 } })]),
    spec: spec({ health: { upgradeTimeoutSeconds: 1800, readySeconds: 0, requireNodeHealthy: false } }),
    after: 1700 * s + 1,
    node: "n1",
  },
  {
    name: "rebooting: when it has been NotReady too long",
    state: cluster([ours("n1", "rebooting", { ready: false, state: { agoSeconds: 100 } })]),
    spec: spec({ health: { notReadyTimeoutSeconds: 600, readySeconds: 0, requireNodeHealthy: false } }),
    after: 500 * s + 1,
    node: "n1",
  },
  {
    name: "verifying: when it has been Ready for readySeconds",
    state: cluster([
      ours("n1", "verifying", {
        versions: { os: "1.1.0" },
        bootId: "n1-boot-1",
        readySince: t0 - 20 * s,
        state: { agoSeconds: 30 },
      }),
    ]),
    spec: spec({ health: { readySeconds: 60, requireNodeHealthy: false } }),
    after: 40 * s,
    node: "n1",
  },
  {
    name: "draining, blocked by a budget: when the drain timeout passes",
    state: cluster(
      [ours("n1", "draining", { state: { agoSeconds: 50 } })],
      [{ namespace: "default", name: "web-1", node: "n1", pdbs: ["default/web"] }],
      [{ namespace: "default", name: "web", disruptionsAllowed: 0 }],
    ),
    spec: spec({ drain: { timeoutSeconds: 100, onBlocked: "skip" } }),
    after: 51 * s,
    node: "n1",
  },
];

for (const c of cases) {
  test(`deadline: ${c.name}`, () => {
    const result = plan(c.state, c.spec, t0);
    assert.equal(result.nextDeadline === undefined ? undefined : result.nextDeadline - t0, c.after);
    if (c.after === undefined || c.node === undefined) return;
    const decided = (now: number) => {
      const r = plan({ ...c.state, now }, c.spec, now);
      const d = r.nodes.find((n) => n.node === c.node)!;
      return `${d.code} ${r.actions.map((a) => a.kind).join(",")}`;
    };
    assert.equal(decided(t0 + c.after - 1), decided(t0), "nothing changes before the deadline");
    assert.notEqual(decided(t0 + c.after), decided(t0), "the answer changes at the deadline");
  });
}

test("deadline: the earliest of several nodes' deadlines", () => {
  const state = cluster(
    names(2).map((n, i) => ours(n, "upgrading", { state: { agoSeconds: 100 * (i + 1) } })),
  );
  const result = plan(state, spec({ budget: { maxUnavailable: 2 } }), t0);
  assert.equal(result.nextDeadline! - t0, (1800 - 200) * s + 1);
});
