import type { Action, NodeDecision, NodeStatus, PlanResult, PlanSummary, ReasonCode } from "./actions.ts";
import { type BudgetLedger, budgetBlock, createBudgetLedger, resolveQuantity, takeBudget } from "./budget.ts";
import type { ClusterState, PodSnapshot } from "./cluster-state.ts";
import { nextDeadline } from "./deadline.ts";
import { stepNode } from "./node-step.ts";
import { isInProgressStatus, type NodeView, viewNode } from "./node-view.ts";
import { createPdbLedger, pdbWaitReason, podsToDrain, reserveFor, startBlocker } from "./pdb-ledger.ts";
import { type ResolvedPlanSpec, resolvePlanSpec, targetKey, type UpgradePlanSpec } from "./plan-spec.ts";
import { currentStage, type Stage, stageRefusal } from "./progression.ts";
import { matchesSelector } from "./selector.ts";
import { type WindowState, windowState } from "./windows.ts";

/**
 * Plans one pass of a rollout: from the cluster's state, the plan and the time, which actions to take
 * now and, for every node in scope, where it is and why. It is a pure function (no I/O, no clock, no
 * memory between calls), so a controller restarted mid-rollout re-reads the cluster and carries on
 * exactly where it was, and never takes more nodes than the budget allows.
 *
 * Order of a pass: nodes already started go first (oldest first, so the oldest drain gets the PDB
 * allowance), then waiting nodes are started while the window, the stage and the budget allow.
 */
export function plan(state: ClusterState, planSpec: UpgradePlanSpec, now: number = state.now): PlanResult {
  const spec = resolvePlanSpec(planSpec);
  const key = targetKey(spec.target);
  const views = state.nodes
    .filter((n) => matchesSelector(spec.nodeSelector, n.labels))
    .map((n) => viewNode(n, spec, key, now))
    .sort((a, b) => byName.compare(a.node.name, b.node.name));
  const podsOn = groupPods(state.pods);
  const pdbs = createPdbLedger(state.pdbs);
  const window = windowState(spec.windows, spec.exclusions, spec.exclusionTimeZone, now);
  const lane = spec.priority === "critical" && !window.open && !window.excludedDate ? "critical" : "normal";
  const budget = createBudgetLedger(
    views,
    lane === "critical" ? [spec.budget, spec.criticalBudget] : [spec.budget],
    lane,
  );
  const before = snapshotBudget(budget);
  const failed = views.filter((v) => v.status === "failed" || v.status === "rolledBack");
  const maxFailed = resolveQuantity(spec.failure.maxFailed, views.length);
  const paused = pauseReason(spec, failed, maxFailed, views.length);

  const actions: Action[] = [];
  const decisions = new Map<string, NodeDecision>();
  const decide = (v: NodeView, code: ReasonCode, reason: string, action?: Action) => {
    const d: NodeDecision = { node: v.node.name, zone: v.zone, status: v.status, code, reason };
    if (v.current && v.upgrade?.batch !== undefined) d.batch = v.upgrade.batch;
    if (action) {
      actions.push(action);
      d.action = action.kind;
      if (action.kind === "cordon") d.batch = action.batch;
    }
    decisions.set(v.node.name, d);
  };
  if (paused && !spec.paused) actions.push({ kind: "pause", reason: paused });

  const started = views
    .filter(
      (v) =>
        v.upgrade && (isInProgressStatus(v.status) || ["done", "failed", "rolledBack"].includes(v.status)),
    )
    .sort((a, b) => (a.upgrade?.since ?? 0) - (b.upgrade?.since ?? 0));
  for (const v of started) {
    const step = stepNode(v, { spec, now, pdbs, pods: podsOn.get(v.node.name) ?? [] });
    decide(v, step.code, step.reason, step.action);
  }

  const waiting = views.filter((v) => v.status === "pending" || v.status === "skipped");
  const stage = currentStage({
    members: views
      .filter((v) => v.member)
      .map((v) => ({
        node: v.node.name,
        batch: v.upgrade?.batch ?? 0,
        status: v.status,
        since: v.upgrade?.since ?? 0,
      })),
    canary: spec.progression.canary,
    waiting: new Set(waiting.map((v) => v.node.name)),
    batchSize: spec.progression.batchSize,
    soakSeconds: spec.progression.soakSeconds,
    total: views.length,
    now,
  });
  const freshWaiting = waiting.some((v) => v.status === "pending" && startable(v));
  const ordered = [...waiting].sort(
    (a, b) => Number(a.status === "skipped") - Number(b.status === "skipped"),
  );
  for (const v of ordered) {
    const refusal = refuse(v, { spec, window, paused, stage, freshWaiting });
    if (refusal) {
      decide(v, refusal.code, refusal.reason);
      continue;
    }
    const pods = podsToDrain(podsOn.get(v.node.name) ?? []);
    const blocker = startBlocker(pdbs, pods);
    if (blocker !== undefined) {
      decide(v, "pdb", pdbWaitReason(pdbs, blocker));
      continue;
    }
    const cost = v.unavailable ? 0 : 1;
    const block = budgetBlock(budget, v.zone, cost);
    if (block) {
      decide(v, block.code, block.reason);
      continue;
    }
    takeBudget(budget, v.zone, cost);
    reserveFor(pdbs, pods);
    stage.seats--;
    const attempts = (v.current ? (v.upgrade?.attempts ?? 0) : 0) + 1;
    const what = stage.batch === 0 ? "canary" : `batch ${stage.batch}`;
    const reason = `starting (${what}${lane === "critical" ? ", critical lane outside window" : ""})`;
    decide(v, "acting", reason, {
      kind: "cordon",
      node: v.node.name,
      reason,
      target: key,
      batch: stage.batch,
      attempts,
    });
  }
  for (const v of views) {
    if (decisions.has(v.node.name)) continue;
    const leftover = v.node.cordonedByUs ? " (still cordoned by us from an earlier rollout)" : "";
    decide(v, "upToDate", `up to date${leftover}`);
  }
  const nodes = views.map((v) => decisions.get(v.node.name)!);
  const summary = summarize(views, before, { failed: failed.length, maxFailed, window, stage, paused, lane });
  const deadline = nextDeadline({ views, spec, window, stage, now });
  return deadline === undefined
    ? { actions, nodes, summary }
    : { actions, nodes, summary, nextDeadline: deadline };
}

/** Node order: natural, so n2 goes before n10. */
const byName = new Intl.Collator("en", { numeric: true });

/** A waiting node that nothing but the plan's own pacing holds back. */
function startable(v: NodeView): boolean {
  return v.node.ready && !(v.node.unschedulable && !v.node.cordonedByUs);
}

interface Gates {
  spec: ResolvedPlanSpec;
  window: WindowState;
  paused: string | undefined;
  stage: Stage;
  freshWaiting: boolean;
}

/** Why a waiting node may not start now, before PDBs and the budget are asked. */
function refuse(v: NodeView, g: Gates): { code: ReasonCode; reason: string } | undefined {
  const { node } = v;
  if (!node.ready) return { code: "notReady", reason: "NotReady (counts against the budget)" };
  if (node.unschedulable && !node.cordonedByUs) {
    return { code: "cordonedByOther", reason: "cordoned by someone else (not ours)" };
  }
  if (g.paused) return { code: "paused", reason: g.paused };
  if (g.window.excludedDate) return { code: "excluded", reason: g.window.reason ?? "excluded date" };
  if (!g.window.open && g.spec.priority !== "critical") {
    return { code: "window", reason: g.window.reason ?? "outside window" };
  }
  if (v.status === "skipped" && g.freshWaiting) {
    const why = v.upgrade?.lastError ? ` (${v.upgrade.lastError})` : "";
    return { code: "skipped", reason: `skipped${why}; retried after the other nodes` };
  }
  return stageRefusal(g.stage, node.name);
}

/** Why the plan is paused, if it is: by hand, past its failure budget, or because a canary failed. */
function pauseReason(spec: ResolvedPlanSpec, failed: NodeView[], maxFailed: number, total: number) {
  if (spec.paused) return "plan paused (spec.paused)";
  if (failed.length > maxFailed)
    return `plan paused: ${failed.length} of ${total} failed (budget ${maxFailed})`;
  const canary = failed.find((v) => v.upgrade?.batch === 0);
  if (canary) return `plan paused: canary ${canary.node.name} failed: ${canary.upgrade?.lastError ?? "?"}`;
  return undefined;
}

function groupPods(pods: readonly PodSnapshot[]): Map<string, PodSnapshot[]> {
  const byNode = new Map<string, PodSnapshot[]>();
  for (const pod of pods) {
    const list = byNode.get(pod.node);
    if (list) list.push(pod);
    else byNode.set(pod.node, [pod]);
  }
  return byNode;
}

function snapshotBudget(b: BudgetLedger): Pick<PlanSummary, "unavailable" | "maxUnavailable" | "zones"> {
  const zones = [...b.zones].map(([zone, z]) => ({ zone, unavailable: z.used, maxUnavailable: z.max }));
  return {
    unavailable: b.used,
    maxUnavailable: b.max,
    zones: zones.sort((x, y) => (x.zone < y.zone ? -1 : 1)),
  };
}

function summarize(
  views: readonly NodeView[],
  budget: Pick<PlanSummary, "unavailable" | "maxUnavailable" | "zones">,
  extra: {
    failed: number;
    maxFailed: number;
    window: WindowState;
    stage: Stage;
    paused: string | undefined;
    lane: "normal" | "critical";
  },
): PlanSummary {
  const counts: Partial<Record<NodeStatus, number>> = {};
  for (const v of views) counts[v.status] = (counts[v.status] ?? 0) + 1;
  const window: PlanSummary["window"] = { open: extra.window.open };
  if (extra.window.reason) window.reason = extra.window.reason;
  if (extra.window.nextOpen !== undefined) window.nextOpen = extra.window.nextOpen;
  const stage: PlanSummary["stage"] = { batch: extra.stage.batch };
  if (extra.stage.wait) stage.reason = extra.stage.wait.reason;
  const summary: PlanSummary = {
    nodes: views.length,
    counts,
    lane: extra.lane,
    ...budget,
    failed: extra.failed,
    maxFailed: extra.maxFailed,
    window,
    stage,
    complete: views.every((v) => v.status === "done" || v.status === "upToDate"),
  };
  if (extra.paused) summary.paused = extra.paused;
  return summary;
}
