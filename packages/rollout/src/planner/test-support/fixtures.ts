import type { NodeDecision, PlanResult } from "../actions.ts";
import type {
  ClusterState,
  NodeSnapshot,
  NodeUpgradeState,
  PdbSnapshot,
  PodSnapshot,
  UpgradePhase,
} from "../cluster-state.ts";
import { targetKey, type UpgradePlanSpec } from "../plan-spec.ts";

/** Builders for planner tests: small nodes, pods and specs with the defaults tests take for granted. */

/** Monday 2025-06-02 10:00 UTC. */
export const t0 = Date.parse("2025-06-02T10:00:00Z");
export const oldOs = "1.0.0";
export const newOs = "1.1.0";
export const newTarget = { os: { version: newOs, bundleUrl: "https://example.test/basalt-1.1.0.bundle" } };
export const newKey = targetKey(newTarget);

export type NodeOptions = Partial<NodeSnapshot> & { zoneName?: string };

export function node(name: string, options: NodeOptions = {}): NodeSnapshot {
  const { zoneName, ...rest } = options;
  return {
    name,
    labels: zoneName === undefined ? {} : { "topology.kubernetes.io/zone": zoneName },
    ready: true,
    readySince: t0 - 86_400_000,
    unschedulable: false,
    cordonedByUs: false,
    versions: { os: oldOs },
    bootId: `${name}-boot-0`,
    healthy: true,
    ...rest,
  };
}

/** Upgrade state for the new target, entered `agoSeconds` before t0. */
export function upgrade(
  phase: UpgradePhase,
  options: Partial<NodeUpgradeState> & { agoSeconds?: number } = {},
): NodeUpgradeState {
  const { agoSeconds = 10, ...rest } = options;
  return { phase, since: t0 - agoSeconds * 1000, attempts: 1, target: newKey, batch: 1, ...rest };
}

/** A node we have started: cordoned by us, in `phase`. */
export function ours(
  name: string,
  phase: UpgradePhase,
  options: NodeOptions & { state?: Partial<NodeUpgradeState> & { agoSeconds?: number } } = {},
): NodeSnapshot {
  const { state, ...rest } = options;
  return node(name, {
    unschedulable: true,
    cordonedByUs: true,
    upgrade: upgrade(phase, { bootId: `${name}-boot-0`, ...state }),
    ...rest,
  });
}

/** A node that finished the new target in `batch`, `agoSeconds` before t0. */
export function done(name: string, batch: number, agoSeconds: number): NodeSnapshot {
  return node(name, { versions: { os: newOs }, upgrade: upgrade("done", { batch, agoSeconds }) });
}

export function pod(
  name: string,
  nodeName: string,
  pdbs: string[] = [],
  extra: Partial<PodSnapshot> = {},
): PodSnapshot {
  return { namespace: "default", name, node: nodeName, pdbs, ...extra };
}

export function pdb(name: string, disruptionsAllowed: number, extra: Partial<PdbSnapshot> = {}): PdbSnapshot {
  return { namespace: "default", name, disruptionsAllowed, ...extra };
}

export function cluster(
  nodes: NodeSnapshot[],
  pods: PodSnapshot[] = [],
  pdbs: PdbSnapshot[] = [],
  now = t0,
): ClusterState {
  return { now, nodes, pods, pdbs };
}

/** A plan with no canary, budget 1, no soak and instant health gates, unless overridden. */
export function spec(overrides: Partial<UpgradePlanSpec> = {}): UpgradePlanSpec {
  return {
    target: newTarget,
    budget: { maxUnavailable: 1 },
    progression: { canary: 0, soakSeconds: 0 },
    health: { readySeconds: 0, requireNodeHealthy: false },
    ...overrides,
  };
}

export function names(count: number, prefix = "n"): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}

/** The decision for `name`, failing loudly when there is none. */
export function decision(result: PlanResult, name: string): NodeDecision {
  const d = result.nodes.find((n) => n.node === name);
  if (!d) throw new Error(`no decision for ${name}`);
  return d;
}

/** "kind node" for every action, for compact assertions. */
export function actionList(result: PlanResult): string[] {
  return result.actions.map((a) => ("node" in a ? `${a.kind} ${a.node}` : a.kind));
}
