import type { NodeStatus, PlanResult } from "@basalt/rollout";
import { upgradePhases, waitingReasonCodes } from "@basalt/rollout";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ReconcileMetrics } from "../reconcile/telemetry.ts";

/**
 * The controller's Prometheus metrics: nodes per phase and blocked nodes per reason (set from each
 * planning pass), phase durations, evictions, failures, rollbacks, actions, pass latency, apiserver
 * requests, and whether this replica leads. Served on /metrics by metrics-server.ts.
 */
const statuses: readonly NodeStatus[] = [...upgradePhases, "upToDate"];
const blockedCodes = waitingReasonCodes;

export class ControllerMetrics implements ReconcileMetrics {
  readonly registry = new Registry();
  readonly #nodes = new Gauge({
    name: "basalt_upgrade_nodes",
    help: "Nodes in scope of a plan, by status (pending, draining, rebooting, done, failed, upToDate, ...)",
    labelNames: ["plan", "status"],
    registers: [this.registry],
  });
  readonly #blocked = new Gauge({
    name: "basalt_upgrade_blocked_nodes",
    help: "Nodes of a plan that are waiting, by reason code (pdb, budget, zoneBudget, window, ...)",
    labelNames: ["plan", "reason"],
    registers: [this.registry],
  });
  readonly #unavailable = new Gauge({
    name: "basalt_upgrade_unavailable_nodes",
    help: "Unavailable nodes in scope of a plan, and the plan's budget",
    labelNames: ["plan", "kind"],
    registers: [this.registry],
  });
  readonly #paused = new Gauge({
    name: "basalt_upgrade_plan_paused",
    help: "1 when a plan is paused (by hand, failure budget or canary)",
    labelNames: ["plan"],
    registers: [this.registry],
  });
  readonly #phase = new Histogram({
    name: "basalt_upgrade_phase_duration_seconds",
    help: "How long nodes spent in each upgrade phase",
    labelNames: ["phase"],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly #evictions = new Counter({
    name: "basalt_upgrade_evictions_total",
    help: "Eviction API calls by result (evicted, blocked = 429 from a PDB, gone, error, forced)",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly #failures = new Counter({
    name: "basalt_upgrade_failures_total",
    help: "Nodes marked failed",
    labelNames: ["plan"],
    registers: [this.registry],
  });
  readonly #rollbacks = new Counter({
    name: "basalt_upgrade_rollbacks_total",
    help: "Nodes rolled back to their previous image",
    labelNames: ["plan"],
    registers: [this.registry],
  });
  readonly #actions = new Counter({
    name: "basalt_upgrade_actions_total",
    help: "Planner actions carried out, by kind and result",
    labelNames: ["kind", "result"],
    registers: [this.registry],
  });
  readonly passDuration = new Histogram({
    name: "basalt_controller_pass_duration_seconds",
    help: "How long one planning pass (snapshot, plan, act) took",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: "basalt_controller_leader",
    help: "1 while this replica holds the leader Lease",
    registers: [this.registry],
  });

  constructor(options: { kubeRequests?: () => Map<string, number>; defaults?: boolean } = {}) {
    if (options.defaults !== false) collectDefaultMetrics({ register: this.registry });
    const requests = options.kubeRequests;
    if (requests) {
      new Gauge({
        name: "basalt_controller_kube_requests",
        help: "Requests this replica has sent to the apiserver, by verb (WATCH counts connections)",
        labelNames: ["verb"],
        registers: [this.registry],
        collect() {
          for (const [verb, n] of requests()) this.set({ verb }, n);
        },
      });
    }
  }

  /** Sets the per-plan gauges from one planning pass (every status and code, so zeros show as 0). */
  observePlan(plan: string, result: PlanResult): void {
    for (const status of statuses) this.#nodes.set({ plan, status }, result.summary.counts[status] ?? 0);
    const blocked = new Map<string, number>();
    for (const d of result.nodes) blocked.set(d.code, (blocked.get(d.code) ?? 0) + 1);
    for (const reason of blockedCodes) this.#blocked.set({ plan, reason }, blocked.get(reason) ?? 0);
    this.#unavailable.set({ plan, kind: "unavailable" }, result.summary.unavailable);
    this.#unavailable.set({ plan, kind: "budget" }, result.summary.maxUnavailable);
    this.#paused.set({ plan }, result.summary.paused ? 1 : 0);
  }

  /** Drops a deleted plan's series. */
  forgetPlan(plan: string): void {
    for (const status of statuses) this.#nodes.remove({ plan, status });
    for (const reason of blockedCodes) this.#blocked.remove({ plan, reason });
    for (const kind of ["unavailable", "budget"]) this.#unavailable.remove({ plan, kind });
    this.#paused.remove({ plan });
  }

  phaseDone(phase: string, seconds: number): void {
    this.#phase.observe({ phase }, seconds);
  }
  eviction(result: "evicted" | "blocked" | "throttled" | "gone" | "error" | "forced"): void {
    this.#evictions.inc({ result });
  }
  action(kind: string, result: "ok" | "error"): void {
    this.#actions.inc({ kind, result });
  }
  failure(plan: string): void {
    this.#failures.inc({ plan });
  }
  rollback(plan: string): void {
    this.#rollbacks.inc({ plan });
  }
}
