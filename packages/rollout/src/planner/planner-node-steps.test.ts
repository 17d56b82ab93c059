import assert from "node:assert/strict";
import { test } from "node:test";
import type { Action } from "./actions.ts";
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
  t0,
} from "./test-support/fixtures.ts";

interface Case {
  name: string;
  state: ClusterState;
  spec?: UpgradePlanSpec;
  actions: string[];
  reasons?: Record<string, string | RegExp>;
  check?: (actions: Action[]) => void;
}

const onTarget = { versions: { os: "1.1.0" } };
const blocked = (phase: "draining", agoSeconds: number) =>
  cluster(
    [ours("n1", phase, { state: { agoSeconds } })],
    [pod("web-1", "n1", ["default/web"])],
    [pdb("web", 0)],
  );

const cases: Case[] = [
  {
    name: "a cordoned node is drained, evicting only what its PDBs allow",
    state: cluster(
      [ours("n1", "cordoned")],
      [pod("web-1", "n1", ["default/web"]), pod("web-2", "n1", ["default/web"]), pod("solo", "n1")],
      [pdb("web", 1)],
    ),
    actions: ["drain n1"],
    check: ([a]) => {
      assert.ok(a.kind === "drain");
      assert.deepEqual(a.pods, ["default/web-1", "default/solo"]);
      assert.deepEqual(a.pdbs, ["default/web"]);
      assert.equal(a.force, false);
    },
  },
  {
    name: "a drain that the PDB blocks waits and says so",
    state: blocked("draining", 30),
    actions: [],
    reasons: { n1: "waiting: PDB default/web allows 0 disruptions" },
  },
  {
    name: "past the timeout, onBlocked wait keeps waiting",
    state: blocked("draining", 700),
    actions: [],
    reasons: { n1: "waiting: PDB default/web allows 0 disruptions (past the 600s drain timeout)" },
  },
  {
    name: "past the timeout, onBlocked skip gives the node up for now",
    state: blocked("draining", 700),
    spec: spec({ drain: { onBlocked: "skip" } }),
    actions: ["skip n1"],
    check: ([a]) => assert.ok(a.kind === "skip" && a.uncordon),
  },
  {
    name: "past the timeout, onBlocked force deletes through the PDB (only when asked)",
    state: blocked("draining", 700),
    spec: spec({ drain: { onBlocked: "force", gracePeriodSeconds: 5 } }),
    actions: ["drain n1"],
    check: ([a]) =>
      assert.ok(a.kind === "drain" && a.force && a.pods[0] === "default/web-1" && a.gracePeriodSeconds === 5),
  },
  {
    name: "a drain waits for terminating pods",
    state: cluster([ours("n1", "draining")], [pod("web-1", "n1", [], { terminating: true })]),
    actions: [],
    reasons: { n1: "draining: waiting for 1 pod(s) to terminate" },
  },
  {
    name: "a node uncordoned by someone mid-drain is cordoned again",
    state: cluster([ours("n1", "draining", { unschedulable: false })], [pod("a", "n1")]),
    actions: ["cordon n1"],
  },
  {
    name: "a skipped node is retried only after the others",
    state: cluster([
      node("n1", { upgrade: { ...ours("x", "skipped").upgrade!, lastError: "PDB" } }),
      node("n2"),
    ]),
    actions: ["cordon n2"],
    reasons: { n1: "skipped (PDB); retried after the other nodes" },
  },
  {
    name: "a drained node is upgraded to the target",
    state: cluster([ours("n1", "draining")]),
    actions: ["upgrade n1"],
    check: ([a]) => assert.ok(a.kind === "upgrade" && a.target.os?.version === "1.1.0"),
  },
  {
    name: "an upgrade that takes too long fails the node",
    state: cluster([ours("n1", "upgrading", { state: { agoSeconds: 1801 } })]),
    actions: ["markFailed n1"],
  },
  {
    name: "a rebooting node that is back on the target is verified",
    state: cluster([ours("n1", "rebooting", { ...onTarget, bootId: "new" })]),
    actions: ["verify n1"],
  },
  {
    name: "a rebooting node still on its old boot waits",
    state: cluster([ours("n1", "rebooting")]),
    actions: [],
    reasons: { n1: "rebooting since 09:59 UTC" },
  },
  {
    name: "a node NotReady past the timeout after its reboot fails",
    state: cluster([ours("n1", "rebooting", { ready: false, state: { agoSeconds: 601 } })]),
    actions: ["markFailed n1"],
  },
  {
    name: "a node that rebooted into its old version fails",
    state: cluster([ours("n1", "rebooting", { bootId: "new" })]),
    actions: ["markFailed n1"],
    reasons: { n1: /rebooted into os 1.0.0, kubernetes \?, not os 1.1.0/ },
  },
  {
    name: "verification waits for Ready long enough",
    state: cluster([ours("n1", "verifying", { ...onTarget, readySince: t0 - 20_000 })]),
    spec: spec({ health: { readySeconds: 60 } }),
    actions: [],
    reasons: { n1: "verifying: Ready for 20s of 60s" },
  },
  {
    name: "verification waits for the node API's health and the evicted workloads",
    state: cluster(
      [ours("n1", "verifying", { ...onTarget, healthy: false, state: { pdbs: ["default/web"] } })],
      [],
      [pdb("web", 0, { currentHealthy: 2, desiredHealthy: 3 })],
    ),
    spec: spec({ health: { readySeconds: 0, requireNodeHealthy: true } }),
    actions: [],
    reasons: { n1: "verifying: node API not reporting healthy; PDB default/web has 2/3 healthy" },
  },
  {
    name: "a verified node is uncordoned and done",
    state: cluster([ours("n1", "verifying", onTarget)]),
    actions: ["uncordon n1"],
    check: ([a]) => assert.ok(a.kind === "uncordon" && a.nextPhase === "done"),
  },
  {
    name: "verification that never passes fails the node",
    state: cluster([ours("n1", "verifying", { ...onTarget, ready: false, state: { agoSeconds: 901 } })]),
    actions: ["markFailed n1"],
    reasons: { n1: "not healthy within 900s: NotReady" },
  },
  {
    name: "a failed node on the new image is rolled back through its API",
    state: cluster([ours("n1", "failed", { ...onTarget, state: { lastError: "boom" } }), node("n2")]),
    spec: spec({ budget: { maxUnavailable: 2 } }),
    actions: ["rollback n1", "cordon n2"],
    reasons: { n1: "rolling back: boom" },
    check: ([a]) => assert.ok(a?.kind === "rollback" && !a.alreadyBack),
  },
  {
    name: "a failed node already back on its old image is recorded rolled back, with no call to it",
    state: cluster([ours("n1", "failed", { state: { lastError: "boom" } })]),
    actions: ["rollback n1"],
    reasons: { n1: "rolled back: boom (the node is on os 1.0.0 already)" },
    check: ([a]) => assert.ok(a?.kind === "rollback" && a.alreadyBack === true),
  },
  {
    name: "a failed node that is not Ready is rolled back through its API (what it runs is unknown)",
    state: cluster([ours("n1", "failed", { ready: false, state: { lastError: "boom" } })]),
    spec: spec({ failure: { maxFailed: 5 } }),
    actions: ["rollback n1"],
    check: ([a]) => assert.ok(a?.kind === "rollback" && !a.alreadyBack),
  },
  {
    name: "a node that falls back to its old image while verifying fails at once, not at verifyTimeout",
    state: cluster([ours("n1", "verifying", { healthy: false, state: { agoSeconds: 30 } })]),
    actions: ["markFailed n1"],
    reasons: { n1: "back on os 1.0.0 while verifying os 1.1.0: the node fell back by itself" },
  },
  {
    name: "a rolled-back node is uncordoned unless the plan says to leave it",
    state: cluster([ours("n1", "rolledBack")]),
    actions: ["uncordon n1"],
  },
  {
    name: "with leaveCordoned, a rolled-back node stays cordoned and keeps using the budget",
    state: cluster([ours("n1", "rolledBack", { state: { lastError: "boom" } }), node("n2")]),
    spec: spec({ failure: { leaveCordoned: true, maxFailed: 5 } }),
    actions: [],
    reasons: { n1: "rolled back: boom; left cordoned", n2: "at budget (1/1 unavailable)" },
  },
  {
    name: "failures past the failure budget pause the plan",
    state: cluster([
      ...["n1", "n2", "n3"].map((n) => ours(n, "rolledBack", { unschedulable: false, cordonedByUs: false })),
      ...names(7).map((n) => node(`m${n}`)),
    ]),
    spec: spec({ failure: { maxFailed: 2 } }),
    actions: ["pause"],
    reasons: { mn1: "plan paused: 3 of 10 failed (budget 2)" },
  },
  {
    name: "failures within the failure budget do not",
    state: cluster([ours("n1", "rolledBack", { unschedulable: false, cordonedByUs: false }), node("n2")]),
    spec: spec({ failure: { maxFailed: "20%" } }),
    actions: ["cordon n2"],
  },
  {
    name: "a failed canary pauses the plan",
    state: cluster([
      ours("n1", "rolledBack", {
        cordonedByUs: false,
        unschedulable: false,
        state: { batch: 0, lastError: "x" },
      }),
      node("n2"),
    ]),
    spec: spec({ progression: { canary: 1 }, failure: { maxFailed: 5 } }),
    actions: ["pause"],
    reasons: { n2: "plan paused: canary n1 failed: x" },
  },
  {
    name: "reboot-only targets pick the nodes that report a pending reboot",
    state: cluster([node("n1", { rebootRequired: true }), node("n2")]),
    spec: spec({ target: { rebootPending: true } }),
    actions: ["cordon n1"],
    reasons: { n2: "up to date" },
  },
  {
    name: "a failed reboot-only node has nothing to roll back",
    state: cluster([ours("n1", "failed", { state: { target: "reboot", lastError: "x" } })]),
    spec: spec({ target: { rebootPending: true }, failure: { leaveCordoned: true } }),
    actions: [],
    reasons: { n1: "failed: x; left cordoned" },
  },
  {
    name: "state from an earlier target is stale once finished",
    state: cluster([node("n1", { upgrade: { ...ours("x", "done").upgrade!, target: "os=0.9.0" } })]),
    actions: ["cordon n1"],
  },
];

for (const c of cases) {
  test(`node steps: ${c.name}`, () => {
    const result = plan(c.state, c.spec ?? spec());
    assert.deepEqual(actionList(result), c.actions);
    for (const [name, reason] of Object.entries(c.reasons ?? {})) {
      const got = decision(result, name).reason;
      if (typeof reason === "string") assert.equal(got, reason, name);
      else assert.match(got, reason, name);
    }
    c.check?.(result.actions);
  });
}
