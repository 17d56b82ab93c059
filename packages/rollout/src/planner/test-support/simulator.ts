import type { Action } from "../actions.ts";
import { resolveQuantity } from "../budget.ts";
import {
  type ClusterState,
  isInProgress,
  type NodeSnapshot,
  type PdbSnapshot,
  type PodSnapshot,
} from "../cluster-state.ts";
import { type ResolvedPlanSpec, resolvePlanSpec, type UpgradePlanSpec } from "../plan-spec.ts";
import { matchesSelector } from "../selector.ts";

/**
 * A tiny, pure cluster simulator for planner tests: it plays the reconciler (applying actions the way
 * the real one records them) and the world (reboots that take time, evicted pods that come back Ready
 * elsewhere, PDBs the disruption controller keeps up to date). It refuses an eviction a PDB forbids, as
 * the Eviction API would, so a planner that asks for one fails the test.
 */
export interface SimNode extends NodeSnapshot {
  /** While rebooting: when the node is back, and on which versions. */
  backAt?: number;
  backOn?: NodeSnapshot["versions"];
  previous?: NodeSnapshot["versions"];
}
export interface SimPod extends PodSnapshot {
  readyAt: number;
}
export interface SimPdb extends PdbSnapshot {
  minAvailable: number;
}
export interface SimState extends ClusterState {
  nodes: SimNode[];
  pods: SimPod[];
  pdbs: SimPdb[];
}

export interface SimOptions {
  rebootMs: number;
  podStartMs: number;
  /** Nodes whose new image does not boot: they come back on their old versions. */
  failing?: ReadonlySet<string>;
}

function recomputePdbs(state: SimState): void {
  for (const pdb of state.pdbs) {
    const key = `${pdb.namespace}/${pdb.name}`;
    const healthy = state.pods.filter(
      (p) => p.pdbs.includes(key) && p.readyAt <= state.now && !p.terminating,
    ).length;
    pdb.currentHealthy = healthy;
    pdb.desiredHealthy = pdb.minAvailable;
    pdb.disruptionsAllowed = Math.max(0, healthy - pdb.minAvailable);
  }
}

function evict(state: SimState, from: SimNode, key: string, force: boolean, options: SimOptions): void {
  const pod = state.pods.find((p) => `${p.namespace}/${p.name}` === key && p.node === from.name);
  if (!pod) return;
  recomputePdbs(state);
  const blocking = state.pdbs.find(
    (b) => pod.pdbs.includes(`${b.namespace}/${b.name}`) && b.disruptionsAllowed <= 0,
  );
  if (blocking && !force && pod.readyAt <= state.now) {
    throw new Error(`eviction of ${key} from ${from.name} would violate PDB ${blocking.name}`);
  }
  const target = state.nodes
    .filter((n) => n.name !== from.name && n.ready && !n.unschedulable)
    .sort(
      (a, b) =>
        state.pods.filter((p) => p.node === a.name).length -
        state.pods.filter((p) => p.node === b.name).length,
    )[0];
  pod.node = target?.name ?? "";
  pod.readyAt = target ? state.now + options.podStartMs : Number.POSITIVE_INFINITY;
  recomputePdbs(state);
}

/** Applies the planner's actions as the reconciler would, returning the new state. */
export function applyActions(
  prior: SimState,
  actions: readonly Action[],
  planSpec: UpgradePlanSpec,
  options: SimOptions,
): SimState {
  const state = structuredClone(prior);
  const spec = resolvePlanSpec(planSpec);
  const now = state.now;
  for (const action of actions) {
    if (action.kind === "pause") continue;
    const n = state.nodes.find((x) => x.name === action.node);
    if (!n) continue;
    const u = n.upgrade;
    const enter = (
      phase: NonNullable<SimNode["upgrade"]>["phase"],
      extra: Partial<NonNullable<SimNode["upgrade"]>> = {},
    ) => {
      if (!n.upgrade) throw new Error(`${n.name}: ${action.kind} without upgrade state`);
      n.upgrade = { ...n.upgrade, phase, since: now, ...extra };
    };
    switch (action.kind) {
      case "cordon":
        n.unschedulable = true;
        n.cordonedByUs = true;
        n.upgrade = {
          phase: "cordoned",
          since: now,
          attempts: action.attempts,
          target: action.target,
          batch: action.batch,
        };
        if (n.bootId) n.upgrade.bootId = n.bootId;
        break;
      case "drain":
        if (u?.phase !== "draining") enter("draining");
        if (n.upgrade) n.upgrade.pdbs = [...new Set([...(n.upgrade.pdbs ?? []), ...action.pdbs])];
        for (const pod of action.pods) evict(state, n, pod, action.force, options);
        break;
      case "upgrade":
        // Two passes, like the reconciler: record "upgrading", then (Upgrade RPC done) reboot.
        if (u?.phase !== "upgrading") enter("upgrading");
        else startReboot(n, options, now, options.failing?.has(n.name) ? n.versions : versionsOf(spec, n));
        break;
      case "verify":
        enter("verifying");
        break;
      case "uncordon":
        n.unschedulable = false;
        n.cordonedByUs = false;
        if (action.nextPhase) enter(action.nextPhase);
        break;
      case "markDone":
        enter("done");
        break;
      case "markFailed":
        enter("failed", { lastError: action.reason });
        break;
      case "rollback":
        enter("rolledBack");
        startReboot(n, options, now, n.previous ?? n.versions);
        break;
      case "skip":
        if (action.uncordon) {
          n.unschedulable = false;
          n.cordonedByUs = false;
        }
        enter("skipped", { lastError: action.reason });
        break;
    }
  }
  recomputePdbs(state);
  return state;
}

function versionsOf(spec: ResolvedPlanSpec, n: SimNode): NodeSnapshot["versions"] {
  return {
    os: spec.target.os?.version ?? n.versions.os,
    kubernetes: spec.target.kubernetes?.version ?? n.versions.kubernetes,
  };
}

function startReboot(n: SimNode, options: SimOptions, now: number, backOn: NodeSnapshot["versions"]): void {
  if (n.upgrade?.phase === "upgrading") n.upgrade = { ...n.upgrade, phase: "rebooting", since: now };
  n.previous = { ...n.versions };
  n.ready = false;
  n.backAt = now + options.rebootMs;
  n.backOn = backOn;
}

/** Lets `ms` pass: rebooting nodes come back, new pods turn Ready. */
export function tick(prior: SimState, ms: number): SimState {
  const state = structuredClone(prior);
  state.now += ms;
  for (const n of state.nodes) {
    if (n.backAt !== undefined && n.backAt <= state.now) {
      n.ready = true;
      n.readySince = n.backAt;
      n.versions = n.backOn ?? n.versions;
      n.bootId = `${n.name}-boot-${state.now}`;
      n.rebootRequired = false;
      delete n.backAt;
      delete n.backOn;
    }
  }
  recomputePdbs(state);
  return state;
}

/** Unavailable nodes in scope, globally and per zone, next to the limits the plan allows. */
export function budgetUse(state: SimState, planSpec: UpgradePlanSpec) {
  const spec = resolvePlanSpec(planSpec);
  const scope = state.nodes.filter((n) => matchesSelector(spec.nodeSelector, n.labels));
  const down = (n: NodeSnapshot) =>
    !n.ready || n.unschedulable || (n.upgrade !== undefined && isInProgress(n.upgrade.phase));
  const zones = new Map<string, { used: number; size: number }>();
  for (const n of scope) {
    const zone = n.labels[spec.budget.zoneLabel] ?? "";
    const z = zones.get(zone) ?? { used: 0, size: 0 };
    z.size++;
    if (down(n)) z.used++;
    zones.set(zone, z);
  }
  const max = resolveQuantity(spec.budget.maxUnavailable, scope.length);
  const zoneMax = (size: number) =>
    spec.budget.perZone === undefined ? max : resolveQuantity(spec.budget.perZone, size);
  return {
    used: scope.filter(down).length,
    max,
    zones: [...zones].map(([zone, z]) => ({ zone, used: z.used, max: zoneMax(z.size) })),
  };
}
