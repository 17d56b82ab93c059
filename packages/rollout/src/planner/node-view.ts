import type { NodeStatus } from "./actions.ts";
import { isInProgress, type NodeSnapshot, type NodeUpgradeState } from "./cluster-state.ts";
import type { ResolvedPlanSpec, UpgradeTarget } from "./plan-spec.ts";

/**
 * One node as the planner sees it: its zone, its effective status for the plan's current target, and
 * whether it is unavailable (and so uses the budget). State left over from an earlier target counts
 * only while the node is still in the middle of it; otherwise the node simply needs the new target.
 */
export interface NodeView {
  node: NodeSnapshot;
  zone: string;
  status: NodeStatus;
  /** The node's upgrade state, when there is any. */
  upgrade?: NodeUpgradeState;
  /** The upgrade state is for the plan's current target. */
  current: boolean;
  /** NotReady, unschedulable, or in the middle of an upgrade: it uses a slot of the budget. */
  unavailable: boolean;
  /** Counts towards its batch's size (started for the current target, not skipped). */
  member: boolean;
}

/** Versions compare without a leading "v": the kubelet reports "v1.34.4", a plan may say "1.34.4". */
export function sameVersion(a: string | undefined, b: string): boolean {
  return a !== undefined && a.replace(/^v/, "") === b.replace(/^v/, "");
}

/** The node already runs every version the target names. */
export function versionsMatch(node: NodeSnapshot, target: UpgradeTarget): boolean {
  if (target.os && !sameVersion(node.versions.os, target.os.version)) return false;
  if (target.kubernetes && !sameVersion(node.versions.kubernetes, target.kubernetes.version)) return false;
  return true;
}

/** The node has something to do for the target: other versions, or (agent mode) a pending reboot. */
export function needsUpgrade(node: NodeSnapshot, target: UpgradeTarget): boolean {
  return !versionsMatch(node, target) || (target.rebootPending === true && node.rebootRequired === true);
}

/**
 * Whether the node has rebooted since it was started: by boot ID when both are known, otherwise by the
 * node showing the target (versions, and no reboot still pending).
 */
export function hasRebooted(node: NodeSnapshot, upgrade: NodeUpgradeState, target: UpgradeTarget): boolean {
  if (upgrade.bootId && node.bootId) return node.bootId !== upgrade.bootId;
  return !needsUpgrade(node, target);
}

/** The node's boot ID, or "none" for a node that reports none (kwok's, before its first reboot). */
export function bootIdOf(node: Pick<NodeSnapshot, "bootId">): string {
  return node.bootId || "none";
}

/**
 * A rolled-back node whose rollback reboot has not happened yet (its boot ID is still the one recorded
 * when the rollback was asked for, `rebootFrom`): it is about to go down, so it keeps its slot of the
 * budget and its cordon until it has rebooted, or until notReadyTimeout says the reboot is not coming.
 * Without this a node would be uncordoned, counted available, replaced by a new start, and only then
 * go down for its rollback: one node over the budget.
 */
export function awaitingRollbackReboot(
  node: NodeSnapshot,
  upgrade: NodeUpgradeState | undefined,
  spec: ResolvedPlanSpec,
  now: number,
): boolean {
  return (
    upgrade?.phase === "rolledBack" &&
    upgrade.rebootFrom !== undefined &&
    bootIdOf(node) === upgrade.rebootFrom &&
    now <= upgrade.since + spec.health.notReadyTimeoutSeconds * 1000
  );
}

const memberStatuses: ReadonlySet<NodeStatus> = new Set(["done", "failed", "rolledBack"]);

function statusOf(upgrade: NodeUpgradeState | undefined, current: boolean, needs: boolean): NodeStatus {
  const fresh = needs ? "pending" : "upToDate";
  if (!upgrade) return fresh;
  if (isInProgress(upgrade.phase)) return upgrade.phase;
  if (!current) return fresh;
  switch (upgrade.phase) {
    case "done":
      return needs ? "pending" : "done";
    case "skipped":
      return needs ? "skipped" : "upToDate";
    case "failed":
    case "rolledBack":
      return upgrade.phase;
    default:
      return fresh;
  }
}

/** Classifies one node for the plan whose target has key `key`, at `now`. */
export function viewNode(node: NodeSnapshot, spec: ResolvedPlanSpec, key: string, now: number): NodeView {
  const upgrade = node.upgrade;
  const current = upgrade?.target === key;
  const status = statusOf(upgrade, current, needsUpgrade(node, spec.target));
  const member =
    current && upgrade.batch !== undefined && (isInProgressStatus(status) || memberStatuses.has(status));
  const view: NodeView = {
    node,
    zone: node.zone ?? node.labels[spec.budget.zoneLabel] ?? "",
    status,
    current,
    unavailable:
      !node.ready ||
      node.unschedulable ||
      isInProgressStatus(status) ||
      (status === "rolledBack" && awaitingRollbackReboot(node, upgrade, spec, now)),
    member,
  };
  if (upgrade) view.upgrade = upgrade;
  return view;
}

/** {@link isInProgress} for a status, which may also be "upToDate". */
export function isInProgressStatus(status: NodeStatus): boolean {
  return status !== "upToDate" && isInProgress(status);
}
