import type { NodeSnapshot } from "./cluster-state.ts";
import { awaitingRollbackReboot, hasRebooted } from "./node-view.ts";
import { type ResolvedPlanSpec, resolvePlanSpec, type UpgradePlanSpec } from "./plan-spec.ts";

/**
 * What a deleted plan leaves behind, and how it hands its nodes back before its finalizer goes: a
 * node is released (our cordon lifted, its upgrade annotations cleared) unless an upgrade or a
 * rollback is running on it — then it is allowed to finish (back Ready on a new boot) or to time
 * out, and released after. No new step starts. The finalizer may go once no node is left. Pure.
 */
export interface HandBackNode {
  node: string;
  /** Release it now (uncordon if `uncordon`, clear the annotations), or wait and why. */
  release: boolean;
  uncordon: boolean;
  reason: string;
}

export interface HandBack {
  nodes: HandBackNode[];
  /** Every node is handed back: the plan's finalizer may be removed. */
  done: boolean;
  /** When a node still running its upgrade times out (ms since the epoch), if any. */
  nextDeadline?: number;
}

/**
 * The nodes of a deleted plan that still carry its state or our cordon, and what to do with each.
 * Without a valid spec (the plan was invalid when deleted) there is no target to judge a running
 * upgrade by: every node is released at once.
 */
export function handBack(
  nodes: readonly NodeSnapshot[],
  planSpec: UpgradePlanSpec | undefined,
  now: number,
): HandBack {
  const spec: ResolvedPlanSpec | undefined = planSpec && resolvePlanSpec(planSpec);
  const out: HandBackNode[] = [];
  const deadlines: number[] = [];
  for (const n of nodes) {
    const u = n.upgrade;
    if (!u && !n.cordonedByUs) continue;
    const base = { node: n.name, uncordon: n.cordonedByUs };
    const running = spec && u && (u.phase === "upgrading" || u.phase === "rebooting");
    if (running && !(n.ready && hasRebooted(n, u, spec.target))) {
      const limit =
        u.since +
        (u.phase === "upgrading" ? spec.health.upgradeTimeoutSeconds : spec.health.notReadyTimeoutSeconds) *
          1000;
      if (now <= limit) {
        deadlines.push(limit + 1);
        out.push({ ...base, release: false, reason: `plan deleted: letting its ${u.phase} step finish` });
        continue;
      }
    }
    if (spec && u && awaitingRollbackReboot(n, u, spec, now)) {
      deadlines.push(u.since + spec.health.notReadyTimeoutSeconds * 1000 + 1);
      out.push({ ...base, release: false, reason: "plan deleted: letting its rollback reboot finish" });
      continue;
    }
    out.push({
      ...base,
      release: true,
      reason: `plan deleted: handing the node back${n.cordonedByUs ? " (uncordoning)" : ""}`,
    });
  }
  const result: HandBack = { nodes: out, done: out.length === 0 };
  if (deadlines.length > 0) result.nextDeadline = Math.min(...deadlines);
  return result;
}
