import type { Action, ReasonCode } from "./actions.ts";
import type { NodeUpgradeState, PodSnapshot } from "./cluster-state.ts";
import {
  awaitingRollbackReboot,
  hasRebooted,
  type NodeView,
  sameVersion,
  versionsMatch,
} from "./node-view.ts";
import { type PdbLedger, pdbWaitReason, planEvictions, podsToDrain } from "./pdb-ledger.ts";
import type { ResolvedPlanSpec, UpgradeTarget } from "./plan-spec.ts";
import { describeClock } from "./zoned-time.ts";

/**
 * The next step for a node that has already been started: the per-node sequence cordon → drain →
 * upgrade → reboot → verify → uncordon, and failure → rollback, as one decision per phase. Each phase
 * reads only the cluster (and the phase's start time), so a restarted controller picks up mid-sequence.
 */
export interface StepContext {
  spec: ResolvedPlanSpec;
  now: number;
  pdbs: PdbLedger;
  /** The pods on this node. */
  pods: readonly PodSnapshot[];
}

export interface Step {
  action?: Action;
  code: ReasonCode;
  reason: string;
}

function act(action: Action): Step {
  return { action, code: "acting", reason: action.reason };
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** "os 1.4.0 + kubernetes 1.34.2", or "a pending reboot". */
export function describeTarget(target: UpgradeTarget): string {
  const parts: string[] = [];
  if (target.os) parts.push(`os ${target.os.version}`);
  if (target.kubernetes) parts.push(`kubernetes ${target.kubernetes.version}`);
  if (target.rebootPending) parts.push("a pending reboot");
  return parts.join(" + ");
}

function drainStep(view: NodeView, u: NodeUpgradeState, ctx: StepContext): Step {
  const { node } = view;
  const { drain, target } = ctx.spec;
  if (!node.unschedulable) {
    const reason = "re-cordoning: the node was uncordoned during its upgrade";
    return act({
      kind: "cordon",
      node: node.name,
      reason,
      target: u.target,
      batch: u.batch ?? 0,
      attempts: u.attempts,
    });
  }
  const pods = podsToDrain(ctx.pods);
  if (pods.length === 0) {
    return act({
      kind: "upgrade",
      node: node.name,
      reason: `drained; upgrading to ${describeTarget(target)}`,
      target,
    });
  }
  const plan = planEvictions(ctx.pdbs, pods);
  const base = { node: node.name, pdbs: plan.pdbs, gracePeriodSeconds: drain.gracePeriodSeconds };
  const waited = seconds(ctx.now - u.since);
  let waitReason = plan.blockedBy === undefined ? "" : pdbWaitReason(ctx.pdbs, plan.blockedBy);
  if (plan.blockedBy !== undefined && waited > drain.timeoutSeconds) {
    const blocked = `drain blocked by PDB ${plan.blockedBy} for ${waited}s`;
    if (drain.onBlocked === "force") {
      const all = pods.filter((p) => !p.terminating).map((p) => `${p.namespace}/${p.name}`);
      return act({
        kind: "drain",
        ...base,
        pods: all,
        force: true,
        reason: `${blocked}: forcing (drain.onBlocked)`,
      });
    }
    if (drain.onBlocked === "skip") {
      const reason = `${blocked}: skipping for now (drain.onBlocked)`;
      return act({ kind: "skip", node: node.name, reason, uncordon: node.cordonedByUs });
    }
    waitReason += ` (past the ${drain.timeoutSeconds}s drain timeout)`;
  }
  if (plan.evict.length > 0 || view.status === "cordoned") {
    const more = waitReason === "" ? "" : `; ${waitReason}`;
    const reason = `draining: evicting ${plan.evict.length} pod(s)${more}`;
    return act({ kind: "drain", ...base, pods: plan.evict, force: false, reason });
  }
  if (waitReason !== "") return { code: "pdb", reason: waitReason };
  return { code: "inProgress", reason: `draining: waiting for ${plan.terminating} pod(s) to terminate` };
}

function upgradeStep(view: NodeView, u: NodeUpgradeState, ctx: StepContext): Step {
  const { node } = view;
  const { target, health } = ctx.spec;
  if (node.ready && hasRebooted(node, u, target) && versionsMatch(node, target)) {
    return act({ kind: "verify", node: node.name, reason: "back on the target; verifying" });
  }
  if (ctx.now - u.since > health.upgradeTimeoutSeconds * 1000) {
    const reason = `upgrade did not finish within ${health.upgradeTimeoutSeconds}s`;
    return act({ kind: "markFailed", node: node.name, reason });
  }
  return act({ kind: "upgrade", node: node.name, reason: `upgrading to ${describeTarget(target)}`, target });
}

function rebootStep(view: NodeView, u: NodeUpgradeState, ctx: StepContext): Step {
  const { node } = view;
  const { target, health } = ctx.spec;
  const rebooted = hasRebooted(node, u, target);
  if (node.ready && !view.current) {
    const reason = `the target changed; upgrading again to ${describeTarget(target)}`;
    return act({ kind: "upgrade", node: node.name, reason, target });
  }
  if (node.ready && rebooted) {
    if (versionsMatch(node, target)) {
      return act({ kind: "verify", node: node.name, reason: "rebooted into the target; verifying" });
    }
    const found = `os ${node.versions.os ?? "?"}, kubernetes ${node.versions.kubernetes ?? "?"}`;
    const reason = `rebooted into ${found}, not ${describeTarget(target)} (the node rolled itself back?)`;
    return act({ kind: "markFailed", node: node.name, reason });
  }
  if (ctx.now - u.since > health.notReadyTimeoutSeconds * 1000) {
    const reason = `not back Ready on the target ${health.notReadyTimeoutSeconds}s after the reboot`;
    return act({ kind: "markFailed", node: node.name, reason });
  }
  return { code: "inProgress", reason: `rebooting since ${describeClock(u.since, ctx.now)}` };
}

/** The health gates that do not pass yet, each as a phrase. */
function failingGates(view: NodeView, u: NodeUpgradeState, ctx: StepContext): string[] {
  const { node } = view;
  const { target, health } = ctx.spec;
  const gates: string[] = [];
  if (!versionsMatch(node, target)) gates.push(`not on ${describeTarget(target)}`);
  if (!node.ready) gates.push("NotReady");
  else {
    const readyFor = seconds(ctx.now - (node.readySince ?? u.since));
    if (readyFor < health.readySeconds) gates.push(`Ready for ${readyFor}s of ${health.readySeconds}s`);
  }
  if (health.requireNodeHealthy && node.healthy !== true) gates.push("node API not reporting healthy");
  if (health.requireWorkloadsReady) {
    for (const key of u.pdbs ?? []) {
      const pdb = ctx.pdbs.info.get(key);
      if (pdb?.currentHealthy === undefined || pdb.desiredHealthy === undefined) continue;
      if (pdb.currentHealthy < pdb.desiredHealthy) {
        gates.push(`PDB ${key} has ${pdb.currentHealthy}/${pdb.desiredHealthy} healthy`);
      }
    }
  }
  return gates;
}

function verifyStep(view: NodeView, u: NodeUpgradeState, ctx: StepContext): Step {
  const { node } = view;
  if (!view.current) return rebootStep(view, u, ctx);
  const os = ctx.spec.target.os;
  if (os && node.ready && node.versions.os !== undefined && !sameVersion(node.versions.os, os.version)) {
    // It was on the target when verification began: a node whose new image never turned healthy
    // reboots until its boot loader falls back. Waiting out verifyTimeout would only hold the budget.
    const reason = `back on os ${node.versions.os} while verifying os ${os.version}: the node fell back by itself`;
    return act({ kind: "markFailed", node: node.name, reason });
  }
  const gates = failingGates(view, u, ctx);
  if (gates.length === 0) {
    const reason = "verified: Ready, on the target and healthy";
    if (node.cordonedByUs) return act({ kind: "uncordon", node: node.name, reason, nextPhase: "done" });
    return act({ kind: "markDone", node: node.name, reason: `${reason} (the cordon is not ours to lift)` });
  }
  const timeout = ctx.spec.health.verifyTimeoutSeconds;
  if (ctx.now - u.since > timeout * 1000) {
    return act({
      kind: "markFailed",
      node: node.name,
      reason: `not healthy within ${timeout}s: ${gates.join("; ")}`,
    });
  }
  return { code: "inProgress", reason: `verifying: ${gates.join("; ")}` };
}

/** A failed or rolled-back node: lift our cordon unless the plan says to leave it. */
function settleStep(view: NodeView, u: NodeUpgradeState, ctx: StepContext): Step {
  const { node } = view;
  const what = view.status === "rolledBack" ? "rolled back" : "failed";
  if (view.status === "rolledBack" && awaitingRollbackReboot(node, u, ctx.spec, ctx.now)) {
    return {
      code: "inProgress",
      reason: "rolling back: waiting for the node to reboot into its previous image",
    };
  }
  if (node.cordonedByUs && !ctx.spec.failure.leaveCordoned) {
    const reason = `${what}; uncordoning (failure.leaveCordoned is false)`;
    return act({ kind: "uncordon", node: node.name, reason });
  }
  const left = node.cordonedByUs ? "; left cordoned" : "";
  return {
    code: view.status === "rolledBack" ? "rolledBack" : "failed",
    reason: `${what}: ${u.lastError ?? "?"}${left}`,
  };
}

/** The next step for a node that is in progress, done, failed or rolled back. */
export function stepNode(view: NodeView, ctx: StepContext): Step {
  const u = view.upgrade;
  const { node } = view;
  if (!u) return { code: "upToDate", reason: "up to date" };
  switch (view.status) {
    case "cordoned":
    case "draining":
      return drainStep(view, u, ctx);
    case "upgrading":
      return upgradeStep(view, u, ctx);
    case "rebooting":
      return rebootStep(view, u, ctx);
    case "verifying":
      return verifyStep(view, u, ctx);
    case "done":
      if (node.cordonedByUs)
        return act({ kind: "uncordon", node: node.name, reason: "done; lifting our cordon" });
      return { code: "done", reason: "done" };
    case "failed": {
      const { os, kubernetes } = ctx.spec.target;
      if (os && node.ready && node.versions.os !== undefined && !sameVersion(node.versions.os, os.version)) {
        // A real node that fails its new image's health checks falls back to the previous one by
        // itself (or never left it): asking it to roll back now would boot the other slot — the
        // failed image, or an older one. Record the rollback the node has already done.
        const reason = `rolled back: ${u.lastError ?? "failed"} (the node is on os ${node.versions.os} already)`;
        return act({ kind: "rollback", node: node.name, reason, alreadyBack: true });
      }
      if (os || kubernetes) {
        return act({ kind: "rollback", node: node.name, reason: `rolling back: ${u.lastError ?? "failed"}` });
      }
      return settleStep(view, u, ctx);
    }
    case "rolledBack":
      return settleStep(view, u, ctx);
    default:
      return { code: "inProgress", reason: view.status };
  }
}
