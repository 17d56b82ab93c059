import type { Quantity } from "./plan-spec.ts";

/**
 * The disruption budget: how many nodes may be unavailable at once, globally and per zone. Every node
 * that is unavailable for any reason (NotReady, cordoned by someone else, in the middle of our upgrade)
 * uses the budget, so the controller never adds to an outage it did not cause.
 */

/**
 * A quantity as a node count out of `total`. A percentage rounds down but is at least 1, so "10%" of 5
 * nodes still lets the rollout move; "0%" (allowed only where zero makes sense) stays 0.
 */
export function resolveQuantity(quantity: Quantity, total: number): number {
  if (typeof quantity === "number") return quantity;
  const pct = Number(quantity.slice(0, -1));
  if (pct === 0) return 0;
  return Math.max(1, Math.floor((total * pct) / 100));
}

/** The shape shared by the plan's budget and its critical budget. */
export interface BudgetSpecLike {
  maxUnavailable: Quantity;
  perZone?: Quantity;
}

/** Counts of unavailable nodes against their limits, updated as the planner starts nodes. */
export interface BudgetLedger {
  lane: "normal" | "critical";
  max: number;
  used: number;
  zones: Map<string, { max: number; used: number }>;
}

/** What a budget check found when there is no room: a reason a person reads, and a code for metrics. */
export interface BudgetBlock {
  code: "budget" | "zoneBudget";
  reason: string;
}

/**
 * A ledger for `nodes` (the plan's scope) under every budget in `budgets` at once: each limit is the
 * smallest any of them allows, which is how the critical lane's stricter budget applies on top.
 */
export function createBudgetLedger(
  nodes: readonly { zone: string; unavailable: boolean }[],
  budgets: readonly BudgetSpecLike[],
  lane: "normal" | "critical",
): BudgetLedger {
  const zoneSizes = new Map<string, number>();
  for (const n of nodes) zoneSizes.set(n.zone, (zoneSizes.get(n.zone) ?? 0) + 1);
  const max = Math.min(...budgets.map((b) => resolveQuantity(b.maxUnavailable, nodes.length)));
  const zones = new Map<string, { max: number; used: number }>();
  for (const [zone, size] of zoneSizes) {
    const limits = budgets.map((b) => (b.perZone === undefined ? max : resolveQuantity(b.perZone, size)));
    zones.set(zone, { max: Math.min(max, ...limits), used: 0 });
  }
  const ledger: BudgetLedger = { lane, max, used: 0, zones };
  for (const n of nodes) if (n.unavailable) takeBudget(ledger, n.zone, 1);
  return ledger;
}

/** Why starting one more node in `zone` (costing `cost` slots) would break the budget; undefined if it fits. */
export function budgetBlock(ledger: BudgetLedger, zone: string, cost: number): BudgetBlock | undefined {
  if (cost === 0) return undefined;
  const lane = ledger.lane === "critical" ? "critical lane " : "";
  if (ledger.used + cost > ledger.max) {
    return { code: "budget", reason: `${lane}at budget (${ledger.used}/${ledger.max} unavailable)` };
  }
  const z = ledger.zones.get(zone);
  if (z && z.used + cost > z.max) {
    return { code: "zoneBudget", reason: `${lane}zone ${zoneLabel(zone)} at budget (${z.used}/${z.max})` };
  }
  return undefined;
}

/** Records that a node now uses `cost` slots (0 when it was unavailable already). */
export function takeBudget(ledger: BudgetLedger, zone: string, cost: number): void {
  ledger.used += cost;
  const z = ledger.zones.get(zone);
  if (z) z.used += cost;
}

/** Nodes without the zone label share one domain, shown under this name. */
export function zoneLabel(zone: string): string {
  return zone === "" ? "(no zone)" : zone;
}
