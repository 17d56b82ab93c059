import assert from "node:assert/strict";
import { test } from "node:test";
import type { PlanResult } from "./actions.ts";
import { readUpgradeAnnotations, upgradeAnnotationsPatch } from "./annotations.ts";
import type { UpgradePlanSpec } from "./plan-spec.ts";
import { plan } from "./planner.ts";
import { newOs, node, oldOs, pod, spec, t0 } from "./test-support/fixtures.ts";
import {
  applyActions,
  budgetUse,
  type SimOptions,
  type SimPod,
  type SimState,
  tick,
} from "./test-support/simulator.ts";
import { inWindow } from "./windows.ts";

/**
 * Whole rollouts, step by step, through the simulator: the budget invariant is checked after every
 * step, and the controller is "restarted" (and killed half-way through a pass) at every intermediate
 * state, resuming from nothing but what the cluster holds.
 */

const stepMs = 30_000;
const options: SimOptions = { rebootMs: 90_000, podStartMs: 45_000 };
const slow: SimOptions = { rebootMs: 300_000, podStartMs: 300_000 };

function assertWithinBudget(state: SimState, planSpec: UpgradePlanSpec, where: string): void {
  const use = budgetUse(state, planSpec);
  assert.ok(use.used <= use.max, `${where}: ${use.used} unavailable > budget ${use.max}`);
  for (const z of use.zones) assert.ok(z.used <= z.max, `${where}: zone ${z.zone} ${z.used} > ${z.max}`);
}

interface Run {
  state: SimState;
  history: { state: SimState; result: PlanResult }[];
  completed: boolean;
}

/** Plans, applies and lets time pass until the plan says complete (or `maxSteps`). */
function run(
  start: SimState,
  planSpec: UpgradePlanSpec,
  o: SimOptions,
  world: (s: SimState) => SimState,
  { maxSteps = 300, stepMs = 30_000 } = {},
): Run {
  let state = start;
  const history: Run["history"] = [];
  for (let step = 0; step < maxSteps; step++) {
    state = world(state);
    const result = plan(state, planSpec);
    history.push({ state, result });
    if (result.summary.complete) return { state, history, completed: true };
    state = applyActions(state, result.actions, planSpec, o);
    assertWithinBudget(state, planSpec, `step ${step}`);
    state = tick(state, stepMs);
    assertWithinBudget(state, planSpec, `step ${step} (after time passed)`);
  }
  return { state, history, completed: false };
}

/** 9 nodes in 3 zones, two PDB-guarded workloads, one NotReady node and one cordoned by someone else. */
function zonedCluster(): SimState {
  const nodes = ["a", "b", "c"].flatMap((z) => [1, 2, 3].map((i) => node(`${z}-${i}`, { zoneName: z })));
  nodes[4].ready = false; // b-2
  nodes[8].unschedulable = true; // c-3, cordoned by an operator
  const names = nodes.map((n) => n.name);
  const pods: SimPod[] = [
    ...names.slice(0, 6).map((n, i) => ({ ...pod(`web-${i}`, n, ["default/web"]), readyAt: 0 })),
    ...["a-1", "b-1", "c-1"].map((n, i) => ({ ...pod(`db-${i}`, n, ["default/db"]), readyAt: 0 })),
    ...names.map((n) => ({ ...pod(`ds-${n}`, n, [], { daemonSet: true }), readyAt: 0 })),
  ];
  const pdbs = [
    { namespace: "default", name: "web", disruptionsAllowed: 1, minAvailable: 5 },
    { namespace: "default", name: "db", disruptionsAllowed: 1, minAvailable: 2 },
  ];
  return { now: t0, nodes, pods, pdbs };
}

/** The world outside the controller: b-2 recovers after 4 minutes, the operator uncordons c-3 after 10. */
function operators(state: SimState): SimState {
  const b2 = state.nodes.find((n) => n.name === "b-2");
  const c3 = state.nodes.find((n) => n.name === "c-3");
  if (state.now < t0 + 240_000 || (b2?.ready && !(c3?.unschedulable && !c3.cordonedByUs))) return state;
  const next = structuredClone(state);
  for (const n of next.nodes) {
    if (n.name === "b-2" && !n.ready && n.backAt === undefined)
      Object.assign(n, { ready: true, readySince: next.now });
    if (n.name === "c-3" && next.now >= t0 + 600_000 && !n.cordonedByUs) n.unschedulable = false;
  }
  return next;
}

const zonedPlan = spec({
  budget: { maxUnavailable: 3, perZone: 1 },
  progression: { canary: 1, batchSize: 3, soakSeconds: 120 },
  health: { readySeconds: 60 },
});

/** The same state, its upgrade state written to annotations and read back as a restarted controller would. */
function throughAnnotations(state: SimState): SimState {
  const copy = structuredClone(state);
  for (const n of copy.nodes) {
    const patch = upgradeAnnotationsPatch(n.upgrade, n.cordonedByUs);
    const annotations = Object.fromEntries(
      Object.entries(patch).filter((e): e is [string, string] => e[1] !== null),
    );
    const read = readUpgradeAnnotations(annotations);
    n.cordonedByUs = read.cordonedByUs;
    if (read.upgrade) n.upgrade = read.upgrade;
    else delete n.upgrade;
  }
  return copy;
}

test("simulation: a zoned rollout completes within budget, leaving other people's cordons alone until lifted", () => {
  const result = run(zonedCluster(), zonedPlan, options, operators);
  assert.ok(result.completed, `not complete after ${result.history.length} steps`);
  for (const n of result.state.nodes) {
    assert.equal(n.versions.os, newOs, n.name);
    assert.equal(n.cordonedByUs, false, n.name);
    assert.equal(n.unschedulable, false, n.name);
  }
  const c3 = result.history.find((h) => h.state.now >= t0 + 300_000 && h.state.now < t0 + 600_000);
  assert.equal(c3 && plan(c3.state, zonedPlan).nodes.find((d) => d.node === "c-3")?.code, "cordonedByOther");
  const order = result.history.flatMap((h) =>
    h.result.actions.filter((a) => a.kind === "cordon").map((a) => a.node),
  );
  assert.equal(order[0], "a-1", "the canary goes first");
});

test("simulation: resume from every intermediate state, even mid-pass", () => {
  const full = run(zonedCluster(), zonedPlan, options, operators);
  assert.ok(full.completed);
  let resumes = 0;
  for (const [i, { state, result }] of full.history.entries()) {
    assert.deepEqual(
      plan(throughAnnotations(state), zonedPlan),
      result,
      `step ${i}: annotations lose nothing`,
    );
    for (let cut = 0; cut < result.actions.length; cut++) {
      // The controller dies after applying `cut` of this pass's actions; a new one starts from the cluster.
      const partial = applyActions(state, result.actions.slice(0, cut), zonedPlan, options);
      assertWithinBudget(partial, zonedPlan, `step ${i} cut ${cut}`);
      const resumed = run(throughAnnotations(tick(partial, stepMs)), zonedPlan, options, operators);
      assert.ok(resumed.completed, `resumed at step ${i} cut ${cut}: not complete`);
      assert.ok(resumed.state.nodes.every((n) => n.versions.os === newOs && !n.cordonedByUs));
      resumes++;
    }
  }
  assert.ok(resumes > 20, `only ${resumes} resumes`);
});

test("simulation: failures past the budget pause the plan; failed nodes are rolled back and uncordoned", () => {
  const nodes = ["n1", "n2", "n3", "n4", "n5", "n6"].map((n) => node(n));
  const start: SimState = { now: t0, nodes, pods: [], pdbs: [] };
  const planSpec = spec({
    budget: { maxUnavailable: 2 },
    progression: { canary: 1 },
    failure: { maxFailed: 1 },
  });
  const failing: SimOptions = { ...options, failing: new Set(["n2", "n3"]) };
  const result = run(start, planSpec, failing, (s) => s, { maxSteps: 120 });
  assert.equal(result.completed, false);
  const last = result.history.at(-1)!.result;
  assert.equal(last.summary.paused, "plan paused: 2 of 6 failed (budget 1)");
  assert.ok(last.actions.some((a) => a.kind === "pause"));
  for (const name of ["n2", "n3"]) {
    const n = result.state.nodes.find((x) => x.name === name)!;
    assert.equal(n.upgrade?.phase, "rolledBack", name);
    assert.equal(n.versions.os, oldOs, name);
    assert.equal(n.unschedulable, false, name);
  }
  const started = result.state.nodes.filter((n) => n.upgrade).map((n) => n.name);
  assert.deepEqual(started, ["n1", "n2", "n3"], "nothing new starts once paused");
  assert.equal(last.nodes.find((d) => d.node === "n6")?.reason, "plan paused: 2 of 6 failed (budget 1)");
});

test("simulation: nodes only start inside the maintenance window", () => {
  const nodes = ["n1", "n2", "n3", "n4"].map((n) => node(n));
  const window = { days: ["Tue" as const], start: "02:00", end: "02:30", timeZone: "Europe/Berlin" };
  const planSpec = spec({ windows: [window], health: { readySeconds: 60 } });
  const result = run({ now: t0, nodes, pods: [], pdbs: [] }, planSpec, slow, (s) => s, {
    maxSteps: 3000,
    stepMs: 300_000,
  });
  assert.ok(result.completed);
  for (const h of result.history) {
    if (h.result.actions.some((a) => a.kind === "cordon"))
      assert.ok(inWindow(window, h.state.now), "started outside");
  }
});
