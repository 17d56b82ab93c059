import type { KubeClient } from "@basalt/kube";
import { Reflector } from "@basalt/kube";
import { toBasaltError } from "@basalt/machinery";
import type { NodeAgent } from "@basalt/rollout";
import {
  type NodeObject,
  type PdbObject,
  type PlanObject,
  type PodObject,
  toNode,
  toPdb,
  toPlan,
  toPod,
  upgradePlanPath,
} from "@basalt/rollout";
import { SimulatedNodeAgent } from "../agent/simulated-node-agent.ts";
import { termBoundAgent } from "../agent/term-bound-agent.ts";
import { kubeClusterWrites } from "../k8s/cluster-writes.ts";
import { EventRecorder } from "../k8s/event-recorder.ts";
import { kubePlanWrites } from "../k8s/plan-writes.ts";
import type { ControllerMetrics } from "../metrics/controller-metrics.ts";
import { AgentStatusCache } from "../reconcile/agent-status-cache.ts";
import { ControlLoop } from "../reconcile/control-loop.ts";
import { Reconciler } from "../reconcile/reconciler.ts";
import type { Logger } from "../reconcile/telemetry.ts";

/**
 * The controller, composed: four list-watch caches (Nodes, scheduled Pods, PDBs, UpgradePlans), the
 * reconciler and its control loop, gated by leadership. Every replica keeps its caches warm; only
 * the leader runs passes, and its writes stop the moment leadership ends. main.ts wires it to flags,
 * the real Lease and the metrics server; tests run it in-process the same way.
 */
export interface Elector {
  run(signal: AbortSignal): Promise<void>;
  readonly isLeader: boolean;
}

export interface ControllerAppOptions {
  kube: KubeClient;
  identity: string;
  /** Namespace of Events about cluster-scoped objects. */
  eventNamespace: string;
  /** The node agent, or "simulated" for kwok nodes. */
  agent: NodeAgent | "simulated";
  log: Logger;
  metrics: ControllerMetrics;
  /** Builds the leader elector: it calls `lead(signal)` when this replica starts leading. */
  elector(lead: (signal: AbortSignal) => void, stopped: () => void): Elector;
  /** The longest the control loop sleeps when nothing is due (a safety net). */
  maxIdleMs?: number;
  debounceMs?: number;
  now?: () => number;
}

export class ControllerApp {
  readonly nodes: Reflector<NodeObject>;
  readonly pods: Reflector<PodObject>;
  readonly pdbs: Reflector<PdbObject>;
  readonly plans: Reflector<PlanObject>;
  readonly reconciler: Reconciler;
  readonly loop: ControlLoop;
  readonly elector: Elector;
  readonly #o: ControllerAppOptions;
  readonly #abort = new AbortController();
  #term: AbortSignal | undefined;
  #running: Promise<unknown> | undefined;

  constructor(o: ControllerAppOptions) {
    this.#o = o;
    const now = o.now ?? Date.now;
    const trigger = () => this.loop?.trigger();
    const onError = (what: string) => (err: unknown) =>
      o.log.warn({ cache: what, err: toBasaltError(err).message }, "list/watch failed; retrying");
    const reflector = <T extends { key: string; resourceVersion: string }>(
      what: string,
      path: string,
      transform: (raw: unknown) => T | undefined,
      fieldSelector?: string,
    ) =>
      new Reflector<T>({
        kube: o.kube,
        path,
        transform,
        fieldSelector,
        onChange: trigger,
        onError: onError(what),
      });
    this.nodes = reflector("nodes", "/api/v1/nodes", toNode);
    this.pods = reflector(
      "pods",
      "/api/v1/pods",
      toPod,
      "spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed",
    );
    this.pdbs = reflector("pdbs", "/apis/policy/v1/poddisruptionbudgets", toPdb);
    this.plans = reflector("upgradeplans", upgradePlanPath, toPlan);
    const writes = kubeClusterWrites(o.kube);
    const agent =
      o.agent === "simulated"
        ? new SimulatedNodeAgent(async (node, annotations) => {
            if (!this.mayWrite()) throw new Error("not the leader");
            this.nodes.observe(await writes.patchNode(node, { annotations }));
          }, now)
        : o.agent;
    // Every node call belongs to the current leadership term and is aborted when it ends.
    const termAgent = termBoundAgent(agent, () => (this.elector?.isLeader ? this.#term : undefined));
    const events = new EventRecorder({
      kube: o.kube,
      namespace: o.eventNamespace,
      host: o.identity,
      log: o.log,
    });
    this.reconciler = new Reconciler({
      nodes: this.nodes.items,
      pods: this.pods.items,
      pdbs: this.pdbs.items,
      plans: this.plans.items,
      observeNode: (raw) => this.nodes.observe(raw),
      observePlan: (raw) => this.plans.observe(raw),
      writes,
      planWrites: kubePlanWrites(o.kube),
      agent: termAgent,
      statuses: new AgentStatusCache({
        agent: termAgent,
        now,
        // A node that is down is routine (debug); any other failure (the node cannot tell whether a
        // reboot is pending, a refused certificate) is something an operator must see.
        onError: (node, err) => {
          const e = toBasaltError(err);
          const routine = e.code === "unavailable" || e.code === "deadline_exceeded" || e.code === "canceled";
          o.log[routine ? "debug" : "warn"]({ node, code: e.code, err: e.message }, "agent status failed");
        },
      }),
      now,
      telemetry: { log: o.log, events, metrics: o.metrics },
      metrics: o.metrics,
      mayWrite: () => this.mayWrite(),
      settled: trigger,
    });
    this.loop = new ControlLoop({
      pass: () => this.#pass(),
      ...(o.maxIdleMs === undefined ? {} : { maxIdleMs: o.maxIdleMs }),
      now,
      debounceMs: o.debounceMs ?? 20,
      onError: (err) => o.log.error({ err: toBasaltError(err).message }, "pass failed"),
    });
    this.elector = o.elector(
      (signal) => {
        this.#term = signal;
        o.metrics.leader.set(1);
        o.log.info({ identity: o.identity }, "leading");
        this.loop.trigger();
      },
      () => {
        o.metrics.leader.set(0);
        o.log.info({ identity: o.identity }, "no longer leading");
      },
    );
  }

  /** This replica leads, and its current term has not ended. */
  mayWrite(): boolean {
    return this.#term !== undefined && !this.#term.aborted && this.elector.isLeader;
  }

  get synced(): boolean {
    return this.nodes.synced && this.pods.synced && this.pdbs.synced && this.plans.synced;
  }

  /** One pass; resolves with when the next is due though nothing changes (see Reconciler.nextDue). */
  async #pass(): Promise<number | undefined> {
    // Not leading or not synced: leadership and the caches' sync both trigger the loop when they come.
    if (!this.mayWrite() || !this.synced) return undefined;
    const end = this.#o.metrics.passDuration.startTimer();
    try {
      await this.reconciler.pass();
      return this.reconciler.nextDue;
    } finally {
      end();
    }
  }

  /** Starts the caches, leader election and the loop. */
  start(): void {
    const signal = this.#abort.signal;
    this.#running = Promise.all([
      this.nodes.run(signal),
      this.pods.run(signal),
      this.pdbs.run(signal),
      this.plans.run(signal),
      this.elector.run(signal),
      this.loop.run(signal),
    ]);
    // An empty collection's first LIST changes nothing in its cache: say "synced" explicitly (not
    // part of #running: it never resolves if the controller stops before syncing).
    void Promise.all([
      this.nodes.whenSynced(),
      this.pods.whenSynced(),
      this.pdbs.whenSynced(),
      this.plans.whenSynced(),
    ]).then(() => this.loop.trigger());
  }

  /** Stops acting, releases the Lease (the elector does, on abort) and closes connections. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    this.#o.kube.close();
  }
}
