import type { NodeObject } from "../cluster/resources.ts";
import type { NodeDecision, PlanResult, ReasonCode } from "../planner/actions.ts";
import { waitingReasonCodes } from "../planner/actions.ts";
import { readUpgradeAnnotations } from "../planner/annotations.ts";
import type { PlanStatus } from "../status/plan-status.ts";

/**
 * `basaltctl rollout status`: one row per node of a plan — its phase as recorded on the Node, since
 * when, and why it is where it is. The reason is the controller's own (from the plan's status) when
 * the status lists the node, else the planner's verdict computed here from the same cluster. Pure.
 */
export interface NodeReport {
  node: string;
  zone: string;
  status: string;
  batch?: number;
  /** When the node entered its phase (ISO time). */
  since?: string;
  attempts?: number;
  code: ReasonCode;
  reason: string;
  lastError?: string;
}

/** Codes that mean "held back" for --blocked. */
export const blockedCodes: ReadonlySet<ReasonCode> = new Set([...waitingReasonCodes, "failed", "rolledBack"]);

export function rolloutReport(
  result: PlanResult,
  nodes: ReadonlyMap<string, NodeObject>,
  status: PlanStatus | undefined,
): NodeReport[] {
  const fromController = new Map((status?.reasons ?? []).map((r) => [r.node, r]));
  return result.nodes.map((d: NodeDecision) => {
    const node = nodes.get(d.node);
    const u = node ? readUpgradeAnnotations(node.annotations).upgrade : undefined;
    const told = fromController.get(d.node);
    const row: NodeReport = {
      node: d.node,
      zone: d.zone || "(no zone)",
      status: d.status,
      code: told && told.status === d.status ? (told.code as ReasonCode) : d.code,
      reason: told && told.status === d.status ? told.reason : d.reason,
    };
    if (d.batch !== undefined) row.batch = d.batch;
    if (u && d.status !== "pending" && d.status !== "upToDate") {
      row.since = new Date(u.since).toISOString();
      row.attempts = u.attempts;
      if (u.lastError) row.lastError = u.lastError;
    }
    return row;
  });
}
