import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterState } from "./cluster-state.ts";
import type { MaintenanceWindow, UpgradePlanSpec } from "./plan-spec.ts";
import { plan } from "./planner.ts";
import { actionList, cluster, decision, done, names, node, ours, spec, t0 } from "./test-support/fixtures.ts";

interface Case {
  name: string;
  state: ClusterState;
  spec: UpgradePlanSpec;
  actions: string[];
  reasons?: Record<string, string | RegExp>;
  lane?: "normal" | "critical";
  batches?: Record<string, number>;
}

const four = () => names(4).map((n) => node(n));
const saturdayNights: MaintenanceWindow = { days: ["Sat"], start: "02:00", end: "05:00", timeZone: "UTC" };
const mondayMorning: MaintenanceWindow = { days: ["Mon"], start: "09:00", end: "12:00", timeZone: "UTC" };

const cases: Case[] = [
  {
    name: "inside a window nodes start",
    state: cluster(four()),
    spec: spec({ windows: [{ days: ["Mon"], start: "11:00", end: "13:00", timeZone: "Europe/Berlin" }] }),
    actions: ["cordon n1"],
  },
  {
    name: "outside a window nothing starts, with the next opening",
    state: cluster(four()),
    spec: spec({ windows: [saturdayNights] }),
    actions: [],
    reasons: { n1: "outside window until Sat 02:00 UTC" },
  },
  {
    name: "the next opening is told in the window's own time zone",
    state: cluster(four()),
    spec: spec({ windows: [{ days: ["Sat"], start: "02:00", end: "05:00", timeZone: "Europe/Berlin" }] }),
    actions: [],
    reasons: { n1: "outside window until Sat 02:00 Europe/Berlin" },
  },
  {
    name: "an exclusion date closes an open window",
    state: cluster(four()),
    spec: spec({ windows: [mondayMorning], exclusions: ["2025-06-02"] }),
    actions: [],
    reasons: { n1: "exclusion date 2025-06-02: no starts until 2025-06-09 Mon 09:00 UTC" },
  },
  {
    name: "a node in progress carries on outside the window",
    state: cluster([ours("n1", "draining"), node("n2")]),
    spec: spec({ windows: [saturdayNights], budget: { maxUnavailable: 2 } }),
    actions: ["upgrade n1"],
    reasons: { n2: /^outside window/ },
  },
  {
    name: "the critical lane starts outside the window under its stricter budget",
    state: cluster(four()),
    spec: spec({ windows: [saturdayNights], priority: "critical", budget: { maxUnavailable: 3 } }),
    actions: ["cordon n1"],
    reasons: { n2: "critical lane at budget (1/1 unavailable)" },
    lane: "critical",
  },
  {
    name: "the critical lane's per-zone limit applies too",
    state: cluster(["a-1", "a-2", "b-1"].map((n) => node(n, { zoneName: n.slice(0, 1) }))),
    spec: spec({
      windows: [saturdayNights],
      priority: "critical",
      budget: { maxUnavailable: 3 },
      criticalBudget: { maxUnavailable: 2, perZone: 1 },
    }),
    actions: ["cordon a-1", "cordon b-1"],
    reasons: { "a-2": "critical lane zone a at budget (1/1)" },
    lane: "critical",
  },
  {
    name: "the critical lane uses the normal budget inside a window",
    state: cluster(four()),
    spec: spec({ windows: [mondayMorning], priority: "critical", budget: { maxUnavailable: 3 } }),
    actions: ["cordon n1", "cordon n2", "cordon n3"],
    lane: "normal",
  },
  {
    name: "the critical lane respects exclusion dates",
    state: cluster(four()),
    spec: spec({ priority: "critical", exclusions: ["2025-06-02"] }),
    actions: [],
    reasons: { n1: "exclusion date 2025-06-02: no starts until Tue 00:00 UTC" },
  },
  {
    name: "the canary goes first, alone",
    state: cluster(four()),
    spec: spec({ budget: { maxUnavailable: 3 }, progression: { canary: 1 } }),
    actions: ["cordon n1"],
    reasons: { n2: "canary not yet done" },
    batches: { n1: 0 },
  },
  {
    name: "named canaries go first",
    state: cluster(four()),
    spec: spec({ budget: { maxUnavailable: 3 }, progression: { canary: ["n3", "n4"] } }),
    actions: ["cordon n3", "cordon n4"],
    reasons: { n1: "canary not yet done" },
    batches: { n3: 0, n4: 0 },
  },
  {
    name: "while the canary runs, the rest waits",
    state: cluster([ours("n1", "rebooting", { ready: false, state: { batch: 0 } }), ...four().slice(1)]),
    spec: spec({ budget: { maxUnavailable: 3 }, progression: { canary: 1 } }),
    actions: [],
    reasons: { n2: "canary not yet done (1 of 1 in progress)" },
  },
  {
    name: "after the canary, the soak",
    state: cluster([done("n1", 0, 60), ...four().slice(1)]),
    spec: spec({ budget: { maxUnavailable: 3 }, progression: { canary: 1, soakSeconds: 300 } }),
    actions: [],
    reasons: { n2: "soaking canary until 10:04 UTC" },
  },
  {
    name: "after the soak, the first batch, up to its size",
    state: cluster([done("n1", 0, 400), ...four().slice(1)]),
    spec: spec({ budget: { maxUnavailable: 3 }, progression: { canary: 1, soakSeconds: 300, batchSize: 2 } }),
    actions: ["cordon n2", "cordon n3"],
    reasons: { n4: "batch 1 full (2/2)" },
    batches: { n2: 1, n3: 1 },
  },
  {
    name: "a full batch waits for all its nodes to finish",
    state: cluster([
      done("n1", 0, 900),
      done("n2", 1, 30),
      ours("n3", "verifying", { versions: { os: "1.1.0" }, state: { batch: 1 } }),
      node("n4"),
    ]),
    spec: spec({ budget: { maxUnavailable: 3 }, progression: { canary: 1, batchSize: 2 } }),
    actions: ["uncordon n3"],
    reasons: { n4: "batch 1 full (2/2); waiting for it to finish" },
  },
  {
    name: "between batches, the soak again",
    state: cluster([done("n1", 0, 900), done("n2", 1, 30), done("n3", 1, 60), node("n4")]),
    spec: spec({
      budget: { maxUnavailable: 3 },
      progression: { canary: 1, batchSize: "50%", soakSeconds: 120 },
    }),
    actions: [],
    reasons: { n4: "soaking batch 1 until 10:01 UTC" },
  },
  {
    name: "then the next batch",
    state: cluster([done("n1", 0, 900), done("n2", 1, 300), done("n3", 1, 300), node("n4")]),
    spec: spec({ budget: { maxUnavailable: 3 }, progression: { canary: 1, batchSize: 2, soakSeconds: 120 } }),
    actions: ["cordon n4"],
    batches: { n4: 2 },
  },
  {
    name: "a paused plan starts nothing but lets started nodes finish",
    state: cluster([ours("n1", "draining"), node("n2")]),
    spec: spec({ paused: true, budget: { maxUnavailable: 2 } }),
    actions: ["upgrade n1"],
    reasons: { n2: "plan paused (spec.paused)" },
  },
];

for (const c of cases) {
  test(`schedule: ${c.name}`, () => {
    const result = plan(c.state, c.spec);
    assert.deepEqual(actionList(result), c.actions);
    for (const [name, reason] of Object.entries(c.reasons ?? {})) {
      const got = decision(result, name).reason;
      if (typeof reason === "string") assert.equal(got, reason, name);
      else assert.match(got, reason, name);
    }
    if (c.lane) assert.equal(result.summary.lane, c.lane);
    for (const [name, batch] of Object.entries(c.batches ?? {})) {
      const action = result.actions.find((a) => a.kind === "cordon" && a.node === name);
      assert.equal(action?.kind === "cordon" ? action.batch : undefined, batch, name);
    }
  });
}

test("schedule: the time passed in wins over the snapshot's", () => {
  const state = cluster(four());
  const saturday = Date.parse("2025-06-07T03:00:00Z");
  assert.deepEqual(actionList(plan(state, spec({ windows: [saturdayNights] }), saturday)), ["cordon n1"]);
  assert.ok(t0 < saturday);
});
