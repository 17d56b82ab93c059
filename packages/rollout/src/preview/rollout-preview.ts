import type { NodeDecision, PlanResult } from "../planner/actions.ts";
import type { ClusterState, NodeSnapshot } from "../planner/cluster-state.ts";
import { isInProgress } from "../planner/cluster-state.ts";
import { targetKey, type UpgradePlanSpec } from "../planner/plan-spec.ts";
import { plan } from "../planner/planner.ts";

/**
 * What a plan would do, before it starts: the planner's verdict for every node right now (which would
 * start, which would block and why — a PDB that allows 0 disruptions, a closed window), and the order
 * the rollout would take. The order comes from running the pure planner over a copy of the cluster in
 * which every started node finishes at once and PDBs and windows do not hold anyone back: it shows the
 * canary, the batches and the budget's pacing (per zone too), not how long each wave takes. Pure.
 */
export interface PreviewWave {
  wave: number;
  /** "canary" or "batch N". */
  stage: string;
  nodes: string[];
}

export interface RolloutPreview {
  now: PlanResult;
  waves: PreviewWave[];
  /** Nodes in scope the simulated order never starts, with the planner's reason. */
  never: NodeDecision[];
}

const stageName = (batch: number) => (batch === 0 ? "canary" : `batch ${batch}`);

function finished(
  n: NodeSnapshot,
  spec: UpgradePlanSpec,
  key: string,
  at: number,
  batch: number,
): NodeSnapshot {
  const versions = { ...n.versions };
  if (spec.target.os) versions.os = spec.target.os.version;
  if (spec.target.kubernetes) versions.kubernetes = spec.target.kubernetes.version;
  return {
    ...n,
    ready: true,
    readySince: at,
    unschedulable: n.cordonedByUs ? false : n.unschedulable,
    cordonedByUs: false,
    versions,
    rebootRequired: false,
    healthy: true,
    bootId: `${n.name}-preview-${at}`,
    upgrade: { phase: "done", since: at, attempts: 1, target: key, batch },
  };
}

export function previewRollout(state: ClusterState, spec: UpgradePlanSpec, now: number): RolloutPreview {
  const result = plan(state, spec, now);
  const key = targetKey(spec.target);
  const free: UpgradePlanSpec = { ...spec, windows: [], exclusions: [], paused: false, priority: "normal" };
  // Nodes already under way finish first.
  let nodes = state.nodes.map((n) =>
    n.upgrade && isInProgress(n.upgrade.phase) && n.upgrade.target === key
      ? finished(n, spec, key, now, n.upgrade.batch ?? 0)
      : n,
  );
  const waves: PreviewWave[] = [];
  let t = now;
  let last: PlanResult = result;
  for (let wave = 1; wave <= state.nodes.length + 2; wave++) {
    last = plan({ now: t, nodes, pods: [], pdbs: [] }, free, t);
    const starts = last.actions.filter((a) => a.kind === "cordon");
    if (starts.length === 0) {
      if (last.summary.stage.reason && !last.summary.complete && spec.progression?.soakSeconds) {
        t += spec.progression.soakSeconds * 1000 + 1000;
        last = plan({ now: t, nodes, pods: [], pdbs: [] }, free, t);
        if (last.actions.some((a) => a.kind === "cordon")) {
          wave--;
          continue;
        }
      }
      break;
    }
    const started = new Map(starts.map((a) => [a.node, a.batch]));
    waves.push({ wave, stage: stageName(starts[0]!.batch), nodes: [...started.keys()] });
    t += 1000;
    nodes = nodes.map((n) => (started.has(n.name) ? finished(n, spec, key, t, started.get(n.name)!) : n));
  }
  const placed = new Set(waves.flatMap((w) => w.nodes));
  const never = last.nodes.filter(
    (d) => d.status !== "done" && d.status !== "upToDate" && !placed.has(d.node),
  );
  return { now: result, waves, never };
}
