import type { z } from "zod";
import type { NodeDecision, PlanResult, ReasonCode } from "../planner/actions.ts";
import { waitingReasonCodes } from "../planner/actions.ts";
import type { SpecProblem } from "../planner/plan-spec-schema.ts";
import type { conditionSchema, planStatusSchema } from "./plan-status-schema.ts";

/**
 * The UpgradePlan's status, built from one planning pass: counts, a bounded list of reasons (per-node
 * state lives on the Nodes, so the status stays small at any scale), and standard conditions whose
 * lastTransitionTime only moves when their status does. Pure. The shape comes from
 * plan-status-schema.ts, which the CRD's status schema is derived from too.
 */
export type Condition = z.infer<typeof conditionSchema>;
export type PlanStatus = z.infer<typeof planStatusSchema>;

/** How many node reasons the status carries at most. */
export const maxReasons = 20;

/** Codes that say a node is held back or in trouble, most pressing first. */
const reasonOrder: ReasonCode[] = [
  "failed",
  "rolledBack",
  "skipped",
  "pdb",
  "inProgress",
  "cordonedByOther",
  "notReady",
  "paused",
  "zoneBudget",
  "budget",
  "window",
  "excluded",
  "canary",
  "soak",
  "batchFull",
];

const quiet: ReadonlySet<ReasonCode> = new Set(["done", "upToDate", "acting"]);

/** Waiting codes counted in `blocked`. */
const blockingCodes: ReadonlySet<ReasonCode> = new Set(waitingReasonCodes);

export function topReasons(nodes: readonly NodeDecision[], limit = maxReasons): PlanStatus["reasons"] {
  const rank = (code: ReasonCode) => {
    const i = reasonOrder.indexOf(code);
    return i < 0 ? reasonOrder.length : i;
  };
  return nodes
    .filter((n) => !quiet.has(n.code))
    .sort((a, b) => rank(a.code) - rank(b.code))
    .slice(0, limit)
    .map(({ node, zone, status, code, reason }) => ({ node, zone, status, code, reason }));
}

function condition(
  previous: readonly Condition[],
  now: string,
  generation: number,
  c: Omit<Condition, "lastTransitionTime" | "observedGeneration">,
): Condition {
  const before = previous.find((p) => p.type === c.type);
  const lastTransitionTime = before && before.status === c.status ? before.lastTransitionTime : now;
  return { ...c, lastTransitionTime, observedGeneration: generation };
}

export interface StatusInput {
  generation: number;
  now: number;
  previous: readonly Condition[];
  target?: string;
  problems?: readonly SpecProblem[];
  result?: PlanResult;
}

export function planStatus(input: StatusInput): PlanStatus {
  const now = new Date(input.now).toISOString();
  const cond = (c: Omit<Condition, "lastTransitionTime" | "observedGeneration">) =>
    condition(input.previous, now, input.generation, c);
  if (input.problems && input.problems.length > 0) {
    const message = input.problems.map((p) => `${p.path}: ${p.message}`).join("; ");
    return {
      observedGeneration: input.generation,
      phase: "Invalid",
      conditions: [
        cond({ type: "Valid", status: "False", reason: "InvalidSpec", message: message.slice(0, 1000) }),
      ],
    };
  }
  const r = input.result!;
  const s = r.summary;
  const blocked: Record<string, number> = {};
  for (const n of r.nodes) if (blockingCodes.has(n.code)) blocked[n.code] = (blocked[n.code] ?? 0) + 1;
  const inProgress = r.nodes.some((n) =>
    ["cordoned", "draining", "upgrading", "rebooting", "verifying"].includes(n.status),
  );
  const phase: PlanStatus["phase"] = s.complete
    ? "Complete"
    : s.paused
      ? "Paused"
      : inProgress || r.actions.length > 0
        ? "Progressing"
        : "Waiting";
  const waitReason = s.window.open ? s.stage.reason : s.window.reason;
  const status: PlanStatus = {
    observedGeneration: input.generation,
    phase,
    nodes: s.nodes,
    counts: s.counts as Record<string, number>,
    blocked,
    unavailable: s.unavailable,
    maxUnavailable: s.maxUnavailable,
    failed: s.failed,
    maxFailed: s.maxFailed,
    lane: s.lane,
    stage: s.stage.batch === 0 ? "canary" : `batch ${s.stage.batch}`,
    reasons: topReasons(r.nodes),
    conditions: [
      cond({ type: "Valid", status: "True", reason: "Valid", message: "" }),
      cond({
        type: "Paused",
        status: s.paused ? "True" : "False",
        reason: !s.paused
          ? "Running"
          : s.paused.includes("spec.paused")
            ? "SpecPaused"
            : s.paused.includes("canary")
              ? "CanaryFailed"
              : "FailureBudget",
        message: s.paused ?? "",
      }),
      cond({
        type: "Progressing",
        status: phase === "Progressing" ? "True" : "False",
        reason: phase === "Progressing" ? "NodesUpgrading" : phase,
        message: phase === "Waiting" ? (waitReason ?? "waiting") : "",
      }),
      cond({
        type: "Complete",
        status: s.complete ? "True" : "False",
        reason: s.complete ? "AllNodesUpgraded" : "InProgress",
        message: s.complete ? `${s.nodes} node(s) on the target` : "",
      }),
    ],
  };
  if (input.target) status.target = input.target;
  if (!s.window.open && s.window.reason) status.window = s.window.reason;
  return status;
}

/** JSON with object keys sorted: the apiserver returns keys sorted, we build them in our own order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Whether writing `next` would change anything but the update time. */
export function statusChanged(previous: unknown, next: PlanStatus): boolean {
  const strip = (s: unknown) => {
    if (!s || typeof s !== "object") return s;
    const { lastUpdateTime: _, ...rest } = s as Record<string, unknown>;
    return rest;
  };
  return canonicalJson(strip(previous)) !== canonicalJson(strip(next));
}
