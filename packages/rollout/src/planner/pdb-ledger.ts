import { type PdbSnapshot, type PodSnapshot, pdbKey, podKey } from "./cluster-state.ts";

/**
 * PodDisruptionBudget accounting within one planning pass. The Eviction API would refuse a disruption
 * anyway (429); the planner counts them itself so that it only asks for evictions that can succeed,
 * gives the allowance to the oldest drain first, and does not start draining a node whose pods cannot
 * leave: that node would hold a slot of the budget for nothing.
 */
export interface PdbLedger {
  /** Disruptions still available per PDB key; may go negative once reserved by waiting drains. */
  remaining: Map<string, number>;
  info: Map<string, PdbSnapshot>;
}

/** A ledger starting from the disruptions each PDB allows right now. */
export function createPdbLedger(pdbs: readonly PdbSnapshot[]): PdbLedger {
  const remaining = new Map<string, number>();
  const info = new Map<string, PdbSnapshot>();
  for (const pdb of pdbs) {
    remaining.set(pdbKey(pdb), pdb.disruptionsAllowed);
    info.set(pdbKey(pdb), pdb);
  }
  return { remaining, info };
}

/** The pods a drain has to move: not DaemonSet or mirror pods, which stay with their node. */
export function podsToDrain(pods: readonly PodSnapshot[]): PodSnapshot[] {
  return pods.filter((p) => !p.daemonSet && !p.mirror);
}

/** The first PDB (that exists) of `pod` with no disruption left, if any. */
function blockingPdb(ledger: PdbLedger, pod: PodSnapshot): string | undefined {
  return pod.pdbs.find((key) => (ledger.remaining.get(key) ?? Number.POSITIVE_INFINITY) <= 0);
}

function consume(ledger: PdbLedger, pod: PodSnapshot): void {
  for (const key of pod.pdbs) {
    const left = ledger.remaining.get(key);
    if (left !== undefined) ledger.remaining.set(key, left - 1);
  }
}

/** What to do with one draining node's pods in this pass. */
export interface EvictionPlan {
  /** "namespace/name" of the pods to evict now. */
  evict: string[];
  /** Pods that must wait for a PDB, and the first PDB that blocks. */
  blocked: number;
  blockedBy?: string;
  terminating: number;
  /** Every PDB the node's pods belong to, to check after the reboot. */
  pdbs: string[];
}

/**
 * Which of a draining node's pods may be evicted now. Every pod still on the node takes one disruption
 * from each of its PDBs: an evicted one uses it, a blocked one reserves it, so a younger drain or a new
 * node cannot take the allowance this node is waiting for.
 */
export function planEvictions(ledger: PdbLedger, pods: readonly PodSnapshot[]): EvictionPlan {
  const plan: EvictionPlan = { evict: [], blocked: 0, terminating: 0, pdbs: [] };
  const pdbs = new Set<string>();
  for (const pod of pods) {
    for (const key of pod.pdbs) pdbs.add(key);
    if (pod.terminating) {
      plan.terminating++;
      continue;
    }
    const blocker = blockingPdb(ledger, pod);
    if (blocker === undefined) plan.evict.push(podKey(pod));
    else {
      plan.blocked++;
      plan.blockedBy ??= blocker;
    }
    consume(ledger, pod);
  }
  plan.pdbs = [...pdbs].sort();
  return plan;
}

/** The PDB that would block draining these pods right now, if any. */
export function startBlocker(ledger: PdbLedger, pods: readonly PodSnapshot[]): string | undefined {
  for (const pod of pods) {
    if (pod.terminating) continue;
    const blocker = blockingPdb(ledger, pod);
    if (blocker !== undefined) return blocker;
  }
  return undefined;
}

/** Reserves the disruptions a newly started node will need. */
export function reserveFor(ledger: PdbLedger, pods: readonly PodSnapshot[]): void {
  for (const pod of pods) if (!pod.terminating) consume(ledger, pod);
}

/** "waiting: PDB default/web allows 0 disruptions", or why its allowance is not ours to use. */
export function pdbWaitReason(ledger: PdbLedger, key: string): string {
  const allowed = ledger.info.get(key)?.disruptionsAllowed ?? 0;
  if (allowed <= 0) return `waiting: PDB ${key} allows 0 disruptions`;
  const plural = allowed === 1 ? "disruption is" : "disruptions are";
  return `waiting: PDB ${key}'s ${allowed} allowed ${plural} taken by other drains`;
}
