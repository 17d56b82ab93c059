import { BasaltError, toBasaltError } from "@basalt/machinery";
import type { Action, NodeObject, NodeUpgradeState, UpgradePhase } from "@basalt/rollout";
import {
  bootIdOf,
  isPermanentAgentError,
  type NodeAgent,
  nodeRef,
  readUpgradeAnnotations,
  targetKey,
  upgradeAnnotationsPatch,
} from "@basalt/rollout";
import type { ClusterWrites } from "../k8s/cluster-writes.ts";
import { pool, Semaphore } from "./concurrency.ts";
import { nodeEventRef, type Telemetry } from "./telemetry.ts";

/**
 * Carries out the planner's actions against the cluster and the node agents. Every action is
 * idempotent and re-issued by the planner until the cluster shows it done, so the executor keeps no
 * state that matters: a node with an action in flight is skipped, and a node whose agent refused for
 * good is not asked again for a while. Cordon carries the Node's resourceVersion, so a node that
 * changed since the planner looked at it (cordoned by someone else, say) is not taken.
 */
export interface ExecutorDeps {
  writes: ClusterWrites;
  agent: NodeAgent;
  /** The cached Node. */
  node(name: string): NodeObject | undefined;
  /** Puts a Node the apiserver returned into the cache. */
  observeNode(raw: unknown): void;
  now(): number;
  telemetry: Telemetry;
  /** False once this replica is no longer the leader: every write is refused from then on. */
  mayWrite(): boolean;
  /** Concurrent evictions per node. */
  evictConcurrency?: number;
  /**
   * Called when a background action ends: its node is free again and may have a backoff or a
   * result the next pass should see, so the control loop plans again (its writes alone may not be
   * watch events: a failure writes nothing).
   */
  settled?(): void;
  /** How long a node is left alone after its agent refused for good. */
  permanentBackoffMs?: number;
  transientBackoffMs?: number;
  /** Background actions (writes, agent calls) in flight at once. */
  backgroundConcurrency?: number;
}

type NodeAction = Exclude<Action, { kind: "pause" }>;

interface StateChange {
  phase?: UpgradePhase;
  lastError?: string | null;
  pdbs?: string[];
  /** The boot ID a rollback reboot will leave (see awaitingRollbackReboot). */
  rebootFrom?: string;
  /** The target key the state is for (an upgrade re-aimed at a changed target). */
  target?: string;
  /** The boot ID the node had when the agent was last asked to upgrade it (see #upgrade). */
  bootId?: string;
  unschedulable?: boolean;
  fresh?: NodeUpgradeState;
  resourceVersion?: string;
}

export class ActionExecutor {
  readonly #d: ExecutorDeps;
  /** Nodes with a call to their agent under way (they may take a while; the pass does not wait). */
  readonly #busy = new Set<string>();
  /** Node → time before which it is not acted on again. */
  readonly #holdUntil = new Map<string, number>();
  /** Per node with an action under way: whether its plan is still the one planned from. */
  readonly #current = new Map<string, () => boolean>();
  /**
   * Pods evicted in the last few seconds: the cache shows them terminating only once the watch says
   * so, and asking again in between would only cost requests.
   */
  readonly #evicted = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #slots: Semaphore;

  constructor(deps: ExecutorDeps) {
    this.#d = deps;
    this.#slots = new Semaphore(deps.backgroundConcurrency ?? 32);
  }

  /** Whether a node has an agent call in flight. */
  busy(node: string): boolean {
    return this.#busy.has(node);
  }

  /**
   * Runs a pass's node actions. Cordons (the only actions that take a slot of the budget) are awaited,
   * so the next pass plans on top of them; every other action runs in the background, its node marked
   * busy until it is done, so one slow write or agent call never holds up the other nodes' passes.
   * Those actions only move a node along or free its slot, and a slot is freed only once the write
   * that frees it has landed: nothing the next pass decides can go over the budget because of them.
   */
  /**
   * `current` says whether the plan is still the one the pass planned from (same generation, not
   * being deleted); it is asked before each action starts and before each write or agent call, so an
   * edit or a delete that lands mid-pass stops the actions planned from the old spec.
   */
  async execute(
    actions: readonly Action[],
    plan: string,
    current: () => boolean = () => true,
    concurrency = 32,
  ): Promise<void> {
    if (!this.#d.mayWrite()) return;
    const now = this.#d.now();
    const todo = actions.filter(
      (a): a is NodeAction =>
        a.kind !== "pause" && !this.#busy.has(a.node) && (this.#holdUntil.get(a.node) ?? 0) <= now,
    );
    for (const a of todo)
      if (a.kind !== "cordon") this.#background(a.node, () => this.#run(a, plan, current));
    await pool(
      todo.filter((a) => a.kind === "cordon"),
      concurrency,
      (a) => this.#run(a, plan, current),
    );
  }

  /**
   * Hands nodes of a deleted plan back: clears their upgrade annotations and lifts our cordon where
   * `uncordon` says so, in one patch each. Skips a node with an action still under way.
   */
  async release(nodes: readonly { node: string; uncordon: boolean }[]): Promise<void> {
    await pool(nodes, 16, async ({ node: name, uncordon }) => {
      const node = this.#d.node(name);
      if (!node || this.#busy.has(name) || !this.#d.mayWrite()) return;
      try {
        const written = await this.#d.writes.patchNode(name, {
          annotations: upgradeAnnotationsPatch(undefined, false),
          ...(uncordon ? { unschedulable: false } : {}),
        });
        this.#d.observeNode(written);
      } catch (err) {
        this.#d.telemetry.log.warn({ node: name, err: toBasaltError(err).message }, "node not handed back");
      }
    });
  }

  /** When the first node held back after a failure may be acted on again (ms since the epoch), if any. */
  nextRetry(): number | undefined {
    const now = this.#d.now();
    let next: number | undefined;
    for (const [node, until] of this.#holdUntil) {
      if (until <= now) this.#holdUntil.delete(node);
      else if (next === undefined || until < next) next = until;
    }
    return next;
  }

  /** Resolves when every background action has finished (for tests and a clean stop). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async #run(a: NodeAction, plan: string, current: () => boolean): Promise<void> {
    if (!current()) return;
    this.#current.set(a.node, current);
    try {
      await this.#one(a, plan);
      this.#d.telemetry.metrics.action(a.kind, "ok");
    } catch (err) {
      this.#d.telemetry.metrics.action(a.kind, "error");
      const e = toBasaltError(err);
      (e.code === "canceled" ? this.#d.telemetry.log.info : this.#d.telemetry.log.warn).call(
        this.#d.telemetry.log,
        { node: a.node, action: a.kind, code: e.code, err: e.message },
        "action failed",
      );
    } finally {
      this.#current.delete(a.node);
    }
  }

  async #one(a: NodeAction, plan: string): Promise<void> {
    const node = this.#d.node(a.node);
    if (!node) return;
    const ours = readUpgradeAnnotations(node.annotations);
    switch (a.kind) {
      case "cordon":
        await this.#record(node, {
          unschedulable: true,
          fresh: {
            phase: "cordoned",
            since: this.#d.now(),
            attempts: a.attempts,
            target: a.target,
            batch: a.batch,
            // "none" for a node that reports no boot ID yet (kwok): its first boot ID then counts as a reboot.
            bootId: bootIdOf(node),
          },
          resourceVersion: node.resourceVersion,
        });
        if (!ours.cordonedByUs) this.#event(node, plan, "Normal", "UpgradeStarted", a.reason);
        return;
      case "drain":
        return this.#drain(node, a, plan);
      case "upgrade":
        return this.#upgrade(node, a, plan);
      case "verify":
        await this.#record(node, { phase: "verifying" });
        return;
      case "uncordon": {
        if (!ours.cordonedByUs) return; // never lift a cordon that is not ours
        await this.#record(node, { unschedulable: false, ...(a.nextPhase ? { phase: a.nextPhase } : {}) });
        if (a.nextPhase === "done") this.#event(node, plan, "Normal", "Upgraded", a.reason);
        return;
      }
      case "markDone":
        await this.#record(node, { phase: "done" });
        this.#event(node, plan, "Normal", "Upgraded", a.reason);
        return;
      case "markFailed":
        await this.#record(node, { phase: "failed", lastError: a.reason });
        this.#d.telemetry.metrics.failure(plan);
        this.#event(node, plan, "Warning", "UpgradeFailed", a.reason);
        return;
      case "rollback":
        return this.#rollback(node, a, plan);
      case "skip":
        await this.#record(node, {
          phase: "skipped",
          lastError: a.reason,
          ...(a.uncordon && ours.cordonedByUs ? { unschedulable: false } : {}),
        });
        this.#event(node, plan, "Warning", "UpgradeSkipped", a.reason);
        return;
    }
  }

  async #drain(node: NodeObject, a: Extract<Action, { kind: "drain" }>, plan: string): Promise<void> {
    const { upgrade } = readUpgradeAnnotations(node.annotations);
    const pdbs = [...new Set([...(upgrade?.pdbs ?? []), ...a.pdbs])].sort();
    if (upgrade?.phase !== "draining" || pdbs.join() !== (upgrade.pdbs ?? []).join()) {
      await this.#record(node, { phase: "draining", pdbs });
    }
    let blocked = 0;
    let throttled = 0;
    const now = this.#d.now();
    for (const [pod, at] of this.#evicted) if (now - at > 10_000) this.#evicted.delete(pod);
    const pods = a.pods.filter((p) => !this.#evicted.has(p));
    await pool(pods, this.#d.evictConcurrency ?? 8, async (key) => {
      const [namespace, name] = key.split("/") as [string, string];
      try {
        if (a.force) {
          await this.#d.writes.deletePod(namespace, name, a.gracePeriodSeconds);
          this.#d.telemetry.metrics.eviction("forced");
          return;
        }
        const result = await this.#d.writes.evict(namespace, name, a.gracePeriodSeconds);
        this.#d.telemetry.metrics.eviction(result.outcome === "failed" ? "error" : result.outcome);
        if (result.outcome === "evicted") this.#evicted.set(key, this.#d.now());
        // Only a budget's refusal is reported as one; API priority-and-fairness throttling is load.
        if (result.outcome === "blocked") blocked++;
        if (result.outcome === "throttled") throttled++;
        if (result.outcome === "failed") throw result.error;
      } catch (err) {
        this.#d.telemetry.metrics.eviction("error");
        this.#d.telemetry.log.warn(
          { node: node.name, pod: key, err: toBasaltError(err).message },
          "eviction failed",
        );
      }
    });
    if (blocked > 0) {
      this.#event(
        node,
        plan,
        "Normal",
        "DrainWaiting",
        `${blocked} eviction(s) refused by a PodDisruptionBudget; waiting`,
      );
    }
    if (throttled > 0) {
      this.#d.telemetry.log.info(
        { node: node.name, throttled },
        "evictions throttled by the apiserver (priority and fairness); retrying next pass",
      );
    }
  }

  /**
   * Two steps, like the planner expects: record "upgrading", then ask the agent; once it has
   * accepted, record "rebooting". A crash between the two asks the agent again, which is idempotent.
   */
  async #upgrade(node: NodeObject, a: Extract<Action, { kind: "upgrade" }>, plan: string): Promise<void> {
    const { upgrade } = readUpgradeAnnotations(node.annotations);
    const target = targetKey(a.target);
    // Re-aimed at a changed target: "rebooted" must mean since this new upgrade call, not since the
    // boot recorded for the old target, or a node past its first reboot would be taken for one that
    // rebooted into the wrong version. A retry of the same target keeps the recorded boot: the node
    // may already be rebooting into it.
    const retarget = upgrade !== undefined && upgrade.target !== target;
    // Already accepted for this target: the action was planned from a snapshot taken before the
    // node's answer was recorded. Asking again would only re-enter "upgrading" mid-reboot.
    if (upgrade?.phase === "rebooting" && !retarget) return;
    if (upgrade?.phase !== "upgrading" || retarget) {
      // No Event here: UpgradeStarted and Upgraded (or UpgradeFailed) bracket it, and at thousands
      // of nodes every Event is a request.
      await this.#record(node, {
        phase: "upgrading",
        lastError: null,
        target,
        ...(retarget ? { bootId: bootIdOf(node) } : {}),
      });
    }
    this.#checkPlan(node.name);
    try {
      const accepted = await this.#d.agent.upgrade(nodeRef(this.#d.node(node.name) ?? node), a.target);
      const now = this.#d.node(node.name);
      if (now && readUpgradeAnnotations(now.annotations).upgrade?.phase === "upgrading") {
        await this.#record(now, { phase: "rebooting" });
      }
      this.#d.telemetry.log.info({ node: node.name, agent: this.#d.agent.kind }, accepted.message);
    } catch (err) {
      await this.#agentFailed(node.name, "upgrade", err, plan);
    }
  }

  async #rollback(node: NodeObject, a: Extract<Action, { kind: "rollback" }>, plan: string): Promise<void> {
    if (!this.#d.mayWrite()) return;
    this.#checkPlan(node.name);
    if (a.alreadyBack) {
      // No reboot to wait for: the node is on its previous image already.
      await this.#record(node, { phase: "rolledBack" });
      this.#d.telemetry.metrics.rollback(plan);
      this.#event(node, plan, "Warning", "RolledBack", a.reason);
      return;
    }
    try {
      // The boot ID from before the call: the node may be down and up again before we record.
      const rebootFrom = bootIdOf(this.#d.node(node.name) ?? node);
      await this.#d.agent.rollback(nodeRef(this.#d.node(node.name) ?? node));
      const now = this.#d.node(node.name) ?? node;
      await this.#record(now, { phase: "rolledBack", rebootFrom });
      this.#d.telemetry.metrics.rollback(plan);
      this.#event(now, plan, "Warning", "RolledBack", a.reason);
    } catch (err) {
      await this.#agentFailed(node.name, "rollback", err, plan);
    }
  }

  /** A refused or failed agent call: permanent refusals fail the node (upgrade) and hold it back. */
  async #agentFailed(name: string, what: "upgrade" | "rollback", err: unknown, plan: string): Promise<void> {
    const e = toBasaltError(err);
    const permanent = isPermanentAgentError(e.code);
    const message = `${what} via ${this.#d.agent.kind} failed: ${e.message}`;
    this.#d.telemetry.log.warn({ node: name, code: e.code, permanent }, message);
    // A refused upgrade fails the node (the planner moves on to rollback at once); a refused rollback
    // would be asked for again on every pass, so the node is left alone for a while.
    const failsNode = permanent && what === "upgrade";
    if (!failsNode) {
      const backoff = permanent
        ? (this.#d.permanentBackoffMs ?? 300_000)
        : (this.#d.transientBackoffMs ?? 5_000);
      this.#holdUntil.set(name, this.#d.now() + backoff);
    }
    const node = this.#d.node(name);
    if (!node) return;
    try {
      if (failsNode) {
        await this.#record(node, { phase: "failed", lastError: message });
        this.#d.telemetry.metrics.failure(plan);
      } else {
        await this.#record(node, { lastError: message });
      }
      this.#event(node, plan, "Warning", what === "upgrade" ? "UpgradeFailed" : "RollbackFailed", message);
    } catch (recordErr) {
      this.#d.telemetry.log.warn(
        { node: name, err: toBasaltError(recordErr).message },
        "could not record failure",
      );
    }
  }

  /** Runs `f` for `node` in the background, at most `backgroundConcurrency` at once. */
  #background(node: string, f: () => Promise<void>): void {
    if (!this.#d.mayWrite()) return;
    this.#busy.add(node);
    const run = this.#slots
      .acquire()
      .then(f)
      .finally(() => {
        this.#slots.release();
        this.#busy.delete(node);
        this.#inFlight.delete(run);
        this.#d.settled?.();
      });
    this.#inFlight.add(run);
  }

  /** Writes the node's new state (and cordon) in one patch, and puts the result in the cache. */
  async #record(node: NodeObject, change: StateChange): Promise<void> {
    const current = readUpgradeAnnotations(node.annotations);
    const now = this.#d.now();
    let next: NodeUpgradeState | undefined = change.fresh ?? current.upgrade;
    if (!change.fresh && next) {
      next = { ...next };
      if (change.phase && change.phase !== next.phase) {
        next.phase = change.phase;
        next.since = now;
      }
      if (change.lastError === null) delete next.lastError;
      else if (change.lastError !== undefined) next.lastError = change.lastError.slice(0, 500);
      if (change.pdbs) next.pdbs = change.pdbs;
      if (change.target) next.target = change.target;
      if (change.rebootFrom) next.rebootFrom = change.rebootFrom;
      if (change.bootId) next.bootId = change.bootId;
    }
    const cordonedByUs = change.unschedulable === undefined ? current.cordonedByUs : change.unschedulable;
    const patch = {
      annotations: upgradeAnnotationsPatch(next, cordonedByUs),
      ...(change.unschedulable === undefined ? {} : { unschedulable: change.unschedulable }),
      ...(change.resourceVersion ? { resourceVersion: change.resourceVersion } : {}),
    };
    if (!this.#d.mayWrite()) throw new BasaltError("failed_precondition", "not the leader: not writing");
    this.#checkPlan(node.name);
    const written = await this.#d.writes.patchNode(node.name, patch);
    this.#d.observeNode(written);
    const before = current.upgrade;
    if (before && next && before.phase !== next.phase) {
      this.#d.telemetry.metrics.phaseDone(before.phase, Math.max(0, (now - before.since) / 1000));
    }
  }

  /** Refuses a write or agent call for a plan edited or deleted since the pass read it. */
  #checkPlan(node: string): void {
    if (this.#current.get(node)?.() === false)
      throw new BasaltError("canceled", "the plan changed or is being deleted since this pass read it");
  }

  #event(node: NodeObject, plan: string, type: "Normal" | "Warning", reason: string, message: string): void {
    this.#d.telemetry.events.emit(nodeEventRef(node.name, node.uid), type, reason, `${plan}: ${message}`);
  }
}
