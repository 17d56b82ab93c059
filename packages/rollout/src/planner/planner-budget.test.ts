import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterState } from "./cluster-state.ts";
import type { UpgradePlanSpec } from "./plan-spec.ts";
import { plan } from "./planner.ts";
import {
  actionList,
  cluster,
  decision,
  names,
  node,
  ours,
  pdb,
  pod,
  spec,
  upgrade,
} from "./test-support/fixtures.ts";

interface Case {
  name: string;
  state: ClusterState;
  spec: UpgradePlanSpec;
  actions: string[];
  reasons?: Record<string, string | RegExp>;
}

const zoned = (zone: string, count: number) =>
  names(count, `${zone}-`).map((n) => node(n, { zoneName: zone }));

const cases: Case[] = [
  {
    name: "a count budget starts that many nodes",
    state: cluster(names(5).map((n) => node(n))),
    spec: spec({ budget: { maxUnavailable: 2 } }),
    actions: ["cordon n1", "cordon n2"],
    reasons: { n3: "at budget (2/2 unavailable)", n5: "at budget (2/2 unavailable)" },
  },
  {
    name: "a percentage rounds down",
    state: cluster(names(10).map((n) => node(n))),
    spec: spec({ budget: { maxUnavailable: "25%" } }),
    actions: ["cordon n1", "cordon n2"],
    reasons: { n3: "at budget (2/2 unavailable)" },
  },
  {
    name: "a percentage is at least one node",
    state: cluster(names(3).map((n) => node(n))),
    spec: spec({ budget: { maxUnavailable: "10%" } }),
    actions: ["cordon n1"],
    reasons: { n2: "at budget (1/1 unavailable)" },
  },
  {
    name: "the per-zone budget spreads starts across zones",
    state: cluster([...zoned("eu-1a", 2), ...zoned("eu-1b", 2)]),
    spec: spec({ budget: { maxUnavailable: 4, perZone: 1 } }),
    actions: ["cordon eu-1a-1", "cordon eu-1b-1"],
    reasons: { "eu-1a-2": "zone eu-1a at budget (1/1)", "eu-1b-2": "zone eu-1b at budget (1/1)" },
  },
  {
    name: "a per-zone percentage is of that zone's nodes",
    state: cluster([...zoned("a", 10), ...zoned("b", 2)]),
    spec: spec({ budget: { maxUnavailable: 10, perZone: "20%" } }),
    actions: ["cordon a-1", "cordon a-2", "cordon b-1"],
    reasons: { "a-3": "zone a at budget (2/2)", "b-2": "zone b at budget (1/1)" },
  },
  {
    name: "a NotReady node counts against the budget and is not started",
    state: cluster([node("n1", { ready: false }), node("n2"), node("n3"), node("n4")]),
    spec: spec({ budget: { maxUnavailable: 2 } }),
    actions: ["cordon n2"],
    reasons: { n1: "NotReady (counts against the budget)", n3: "at budget (2/2 unavailable)" },
  },
  {
    name: "a NotReady node in another zone uses only that zone's budget",
    state: cluster([
      node("a-1", { zoneName: "a", ready: false }),
      ...zoned("a", 2).slice(1),
      ...zoned("b", 2),
    ]),
    spec: spec({ budget: { maxUnavailable: 3, perZone: 1 } }),
    actions: ["cordon b-1"],
    reasons: { "a-2": "zone a at budget (1/1)", "b-2": "zone b at budget (1/1)" },
  },
  {
    name: "a node cordoned by someone else counts, and is left alone",
    state: cluster([node("n1", { unschedulable: true }), node("n2"), node("n3")]),
    spec: spec({ budget: { maxUnavailable: 2 } }),
    actions: ["cordon n2"],
    reasons: { n1: "cordoned by someone else (not ours)", n3: "at budget (2/2 unavailable)" },
  },
  {
    name: "a node cordoned by someone else is never uncordoned, even when done",
    state: cluster([
      node("n1", { unschedulable: true, versions: { os: "1.1.0" }, upgrade: upgrade("done") }),
      node("n2", { unschedulable: true, versions: { os: "1.1.0" }, upgrade: upgrade("verifying") }),
    ]),
    spec: spec({ budget: { maxUnavailable: 2 } }),
    actions: ["markDone n2"],
    reasons: { n1: "done", n2: /the cordon is not ours to lift/ },
  },
  {
    name: "a node in progress keeps its slot",
    state: cluster([ours("n1", "rebooting", { ready: false }), node("n2")]),
    spec: spec(),
    actions: [],
    reasons: { n1: /rebooting since/, n2: "at budget (1/1 unavailable)" },
  },
  {
    name: "a node that disappeared frees its slot",
    state: cluster([node("n2"), node("n3")]),
    spec: spec(),
    actions: ["cordon n2"],
  },
  {
    name: "a node already cordoned by us (left from an earlier target) costs no extra slot",
    state: cluster([
      node("n1", { unschedulable: true, cordonedByUs: true }),
      node("n2", { ready: false }),
      node("n3"),
    ]),
    spec: spec({ budget: { maxUnavailable: 2 } }),
    actions: ["cordon n1"],
    reasons: { n3: "at budget (2/2 unavailable)" },
  },
  {
    name: "a PDB that allows no disruption keeps its nodes waiting, not cordoned",
    state: cluster([node("n1"), node("n2")], [pod("web-1", "n1", ["default/web"])], [pdb("web", 0)]),
    spec: spec({ budget: { maxUnavailable: 2 } }),
    actions: ["cordon n2"],
    reasons: { n1: "waiting: PDB default/web allows 0 disruptions" },
  },
  {
    name: "a PDB's one disruption goes to one node at a time",
    state: cluster(
      [node("n1"), node("n2"), node("n3")],
      [pod("web-1", "n1", ["default/web"]), pod("web-2", "n2", ["default/web"])],
      [pdb("web", 1)],
    ),
    spec: spec({ budget: { maxUnavailable: 3 } }),
    actions: ["cordon n1", "cordon n3"],
    reasons: { n2: "waiting: PDB default/web's 1 allowed disruption is taken by other drains" },
  },
  {
    name: "a draining node's waiting pods reserve their PDB against new starts",
    state: cluster(
      [ours("n1", "draining"), node("n2")],
      [
        pod("web-1", "n1", ["default/web"]),
        pod("web-2", "n1", ["default/web"]),
        pod("web-3", "n2", ["default/web"]),
      ],
      [pdb("web", 1)],
    ),
    spec: spec({ budget: { maxUnavailable: 2 } }),
    actions: ["drain n1"],
    reasons: { n1: /evicting 1 pod/, n2: /taken by other drains/ },
  },
  {
    name: "DaemonSet and mirror pods neither block a start nor a drain",
    state: cluster(
      [ours("n1", "draining"), node("n2")],
      [
        pod("ds-1", "n1", ["default/ds"], { daemonSet: true }),
        pod("kube-proxy", "n2", ["default/ds"], { mirror: true }),
      ],
      [pdb("ds", 0)],
    ),
    spec: spec({ budget: { maxUnavailable: 2 } }),
    actions: ["upgrade n1", "cordon n2"],
  },
  {
    name: "nodes outside the selector are not in scope",
    state: cluster([node("n1", { labels: { pool: "gpu" } }), node("n2", { labels: { pool: "cpu" } })]),
    spec: spec({ nodeSelector: { matchExpressions: [{ key: "pool", operator: "In", values: ["gpu"] }] } }),
    actions: ["cordon n1"],
  },
];

for (const c of cases) {
  test(`budget: ${c.name}`, () => {
    const result = plan(c.state, c.spec);
    assert.deepEqual(actionList(result), c.actions);
    for (const [name, reason] of Object.entries(c.reasons ?? {})) {
      const got = decision(result, name).reason;
      if (typeof reason === "string") assert.equal(got, reason, name);
      else assert.match(got, reason, name);
    }
  });
}

test("budget: the summary reports the budget as found, per zone", () => {
  const result = plan(
    cluster([
      node("a-1", { zoneName: "a", ready: false }),
      node("a-2", { zoneName: "a" }),
      node("b-1", { zoneName: "b" }),
    ]),
    spec({ budget: { maxUnavailable: 2, perZone: 1 } }),
  );
  assert.equal(result.summary.unavailable, 1);
  assert.equal(result.summary.maxUnavailable, 2);
  assert.deepEqual(result.summary.zones, [
    { zone: "a", unavailable: 1, maxUnavailable: 1 },
    { zone: "b", unavailable: 0, maxUnavailable: 1 },
  ]);
  assert.deepEqual(result.summary.counts, { pending: 3 });
  assert.equal(result.summary.complete, false);
});

test("budget: a node that needs nothing is up to date and the plan is complete", () => {
  const result = plan(cluster([node("n1", { versions: { os: "1.1.0" } })]), spec());
  assert.deepEqual(result.actions, []);
  assert.equal(decision(result, "n1").status, "upToDate");
  assert.equal(result.summary.complete, true);
});
