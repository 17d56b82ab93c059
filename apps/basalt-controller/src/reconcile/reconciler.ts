import { toBasaltError } from "@basalt/machinery";
import type {
  NodeAgent,
  NodeObject,
  PdbObject,
  PlanObject,
  PlanResult,
  PodObject,
  SpecProblem,
} from "@basalt/rollout";
import {
  type Condition,
  handBack,
  isInProgress,
  nodeSnapshot,
  type PdbSnapshot,
  type PlanStatus,
  type PodSnapshot,
  pdbSnapshot,
  pdbsByPod,
  planFinalizer,
  plan as planRollout,
  planStatus,
  podSnapshot,
  readUpgradeAnnotations,
  statusChanged,
  targetKey,
} from "@basalt/rollout";
import type { ClusterWrites } from "../k8s/cluster-writes.ts";
import type { PlanWrites } from "../k8s/plan-writes.ts";
import { ActionExecutor } from "./action-executor.ts";
import type { AgentStatusCache } from "./agent-status-cache.ts";
import { type ScopedPlan, scopePlans } from "./plan-scope.ts";
import type { EventRef, Telemetry } from "./telemetry.ts";

/**
 * One reconciliation pass over every UpgradePlan: read the cached cluster, plan, act, and report.
 * The reconciler holds no rollout state of its own — the Nodes' annotations are the state — so a new
 * leader (or a restarted one) makes the same decisions from the same cluster. Passes never overlap
 * (control-loop.ts runs them one after another).
 */
export interface ReconcilerDeps {
  nodes: ReadonlyMap<string, NodeObject>;
  pods: ReadonlyMap<string, PodObject>;
  pdbs: ReadonlyMap<string, PdbObject>;
  plans: ReadonlyMap<string, PlanObject>;
  observeNode(raw: unknown): void;
  observePlan(raw: unknown): void;
  writes: ClusterWrites;
  planWrites: PlanWrites;
  agent: NodeAgent;
  statuses: AgentStatusCache;
  now(): number;
  telemetry: Telemetry;
  metrics?: { observePlan(plan: string, result: PlanResult): void; forgetPlan(plan: string): void };
  /** False when this replica is not (or no longer) the leader. */
  mayWrite(): boolean;
  /** A background action ended (see ExecutorDeps.settled). */
  settled?(): void;
  /** Least time between two status writes of one plan, unless its phase changes. */
  statusIntervalMs?: number;
}

/** What one pass decided for one plan. */
export interface PlanPass {
  plan: string;
  result?: PlanResult;
  problems?: SpecProblem[];
}

export class Reconciler {
  readonly #d: ReconcilerDeps;
  readonly executor: ActionExecutor;
  readonly #written = new Map<string, { at: number; status: PlanStatus }>();
  readonly #known = new Set<string>();
  /**
   * After a pass: when the next one is due though nothing in the cluster changes (ms since the
   * epoch) — the earliest of the planner's deadlines, the next agent status due, a held-back node's
   * retry and a status write held back by the write interval. Undefined: only a change can matter.
   */
  nextDue: number | undefined;
  #due: number[] = [];

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
    this.executor = new ActionExecutor({
      writes: deps.writes,
      agent: deps.agent,
      node: (name) => deps.nodes.get(name),
      observeNode: deps.observeNode,
      now: deps.now,
      telemetry: deps.telemetry,
      mayWrite: deps.mayWrite,
      ...(deps.settled ? { settled: deps.settled } : {}),
    });
  }

  async pass(): Promise<PlanPass[]> {
    const d = this.#d;
    this.#due = [];
    const scoped = scopePlans(d.plans.values(), d.nodes.values());
    const inScope = scoped.flatMap((s) => s.nodes);
    // The simulated agent reads the Node itself (no request), so its status is always fresh.
    const simulated = d.agent.kind === "simulated";
    const maxAge = (n: NodeObject) => {
      if (simulated) return 0;
      const phase = readUpgradeAnnotations(n.annotations).upgrade?.phase;
      return phase && isInProgress(phase) ? 2_000 : 60_000;
    };
    await d.statuses.refresh(inScope, maxAge);
    const statusDue = d.statuses.nextDue(inScope, maxAge);
    if (statusDue !== undefined) this.#due.push(statusDue);
    d.statuses.retain(new Set(d.nodes.keys()));
    const now = d.now();
    const { pods, pdbs } = this.#podsAndPdbs();
    const passes: PlanPass[] = [];
    for (const s of scoped) {
      const name = s.plan.name;
      this.#known.add(name);
      if (s.plan.deleting) {
        await this.#handBack(s, now);
        continue;
      }
      await this.#holdWithFinalizer(s.plan);
      if (!s.spec) {
        passes.push({ plan: name, problems: s.problems! });
        await this.#writeStatus(
          s.plan,
          planStatus(this.#statusInput(s.plan, now, { problems: s.problems! })),
        );
        continue;
      }
      const state = {
        now,
        nodes: s.nodes.map((n) => nodeSnapshot(n, d.statuses.get(n.name))),
        pods,
        pdbs,
      };
      const result = planRollout(state, s.spec, now);
      passes.push({ plan: name, result });
      if (result.nextDeadline !== undefined) this.#due.push(result.nextDeadline);
      d.metrics?.observePlan(name, result);
      if (!d.mayWrite()) continue;
      const generation = s.plan.generation;
      const current = () => {
        const p = d.plans.get(name);
        return p !== undefined && p.generation === generation && !p.deleting;
      };
      await this.executor.execute(result.actions, name, current);
      this.#nodeReasons(result);
      const status = planStatus(this.#statusInput(s.plan, now, { result, target: targetKey(s.spec.target) }));
      await this.#writeStatus(s.plan, status);
    }
    const held = this.executor.nextRetry();
    if (held !== undefined) this.#due.push(held);
    this.nextDue = this.#due.length === 0 ? undefined : Math.min(...this.#due);
    for (const name of [...this.#known]) {
      if (!d.plans.has(name)) {
        this.#known.delete(name);
        this.#written.delete(name);
        d.metrics?.forgetPlan(name);
      }
    }
    return passes;
  }

  /**
   * Puts the controller's finalizer on a plan before acting for it, so deleting the plan waits until
   * its nodes are handed back. A plan that cannot take it (an old RBAC without patch) is still acted
   * for, as before finalizers existed; the warning says so.
   */
  async #holdWithFinalizer(plan: PlanObject): Promise<void> {
    const d = this.#d;
    if (plan.finalizers.includes(planFinalizer) || !d.mayWrite()) return;
    try {
      d.observePlan(
        await d.planWrites.setFinalizers(
          plan.name,
          [...plan.finalizers, planFinalizer],
          plan.resourceVersion,
        ),
      );
    } catch (err) {
      d.telemetry.log.warn({ plan: plan.name, err: toBasaltError(err).message }, "finalizer not added");
    }
  }

  /**
   * A deleted plan: no new step, each node handed back (released now, or once the upgrade or
   * rollback running on it has finished), then the finalizer removed so the apiserver lets it go.
   */
  async #handBack(s: ScopedPlan, now: number): Promise<void> {
    const d = this.#d;
    if (!s.plan.finalizers.includes(planFinalizer)) return;
    const nodes = s.nodes.map((n) => nodeSnapshot(n, d.statuses.get(n.name)));
    const h = handBack(nodes, s.spec, now);
    if (h.nextDeadline !== undefined) this.#due.push(h.nextDeadline);
    if (!d.mayWrite()) return;
    await this.executor.release(h.nodes.filter((n) => n.release));
    if (!h.done) return;
    try {
      // Not observed: once the finalizer is gone the apiserver deletes the plan, and the watch says so.
      await d.planWrites.setFinalizers(
        s.plan.name,
        s.plan.finalizers.filter((f) => f !== planFinalizer),
        s.plan.resourceVersion,
      );
      d.telemetry.log.info({ plan: s.plan.name }, "plan deleted: every node handed back");
    } catch (err) {
      d.telemetry.log.warn({ plan: s.plan.name, err: toBasaltError(err).message }, "finalizer not removed");
    }
  }

  #podsAndPdbs(): { pods: PodSnapshot[]; pdbs: PdbSnapshot[] } {
    const guards = pdbsByPod(this.#d.pods.values(), this.#d.pdbs.values());
    return {
      pods: [...this.#d.pods.values()].map((p) => podSnapshot(p, guards.get(p.key) ?? [])),
      pdbs: [...this.#d.pdbs.values()].map(pdbSnapshot),
    };
  }

  #statusInput(
    plan: PlanObject,
    now: number,
    extra: { problems?: SpecProblem[]; result?: PlanResult; target?: string },
  ) {
    const previous = (plan.status?.conditions as Condition[] | undefined) ?? [];
    return { generation: plan.generation, now, previous, ...extra };
  }

  /** Started nodes held up by a PDB get an Event saying so (the recorder sends each once a while). */
  #nodeReasons(result: PlanResult): void {
    for (const n of result.nodes) {
      if (n.code === "pdb" && n.status === "draining") {
        const uid = this.#d.nodes.get(n.node)?.uid;
        this.#d.telemetry.events.emit(
          { kind: "Node", name: n.node, apiVersion: "v1", ...(uid ? { uid } : {}) },
          "Normal",
          "DrainBlocked",
          n.reason,
        );
      }
    }
  }

  async #writeStatus(plan: PlanObject, status: PlanStatus): Promise<void> {
    const d = this.#d;
    if (!d.mayWrite()) return;
    const last = this.#written.get(plan.name);
    const previous = last?.status ?? plan.status;
    if (!statusChanged(previous, status)) return;
    const now = d.now();
    const phaseChanged = (previous as PlanStatus | undefined)?.phase !== status.phase;
    const interval = d.statusIntervalMs ?? 1000;
    if (last && !phaseChanged && now - last.at < interval) {
      this.#due.push(last.at + interval);
      return;
    }
    status.lastUpdateTime = new Date(now).toISOString();
    try {
      const written = await d.planWrites.writeStatus(plan.name, status);
      d.observePlan(written);
      this.#written.set(plan.name, { at: now, status });
      this.#planEvents(plan, previous as PlanStatus | undefined, status);
    } catch (err) {
      d.telemetry.log.warn({ plan: plan.name, err: toBasaltError(err).message }, "status not written");
    }
  }

  #planEvents(plan: PlanObject, before: PlanStatus | undefined, after: PlanStatus): void {
    const ref: EventRef = {
      kind: "UpgradePlan",
      name: plan.name,
      uid: plan.uid,
      apiVersion: "basalt.dev/v1alpha1",
    };
    const cond = (s: PlanStatus | undefined, type: Condition["type"]) =>
      s?.conditions?.find((c) => c.type === type);
    const events = this.#d.telemetry.events;
    const paused = cond(after, "Paused");
    if (paused?.status === "True" && cond(before, "Paused")?.status !== "True") {
      events.emit(ref, "Warning", "PlanPaused", paused.message);
    }
    if (paused?.status === "False" && cond(before, "Paused")?.status === "True") {
      events.emit(ref, "Normal", "PlanResumed", "the plan is no longer paused");
    }
    const complete = cond(after, "Complete");
    if (complete?.status === "True" && cond(before, "Complete")?.status !== "True") {
      events.emit(ref, "Normal", "PlanComplete", complete.message);
    }
    if (after.phase === "Invalid" && before?.phase !== "Invalid") {
      events.emit(ref, "Warning", "InvalidSpec", cond(after, "Valid")?.message ?? "");
    }
    if (before?.stage && after.stage && before.stage !== after.stage) {
      events.emit(ref, "Normal", "StageStarted", `${after.stage} started`);
    }
  }
}
