import type { NodeStatus, ReasonCode } from "./actions.ts";
import { resolveQuantity } from "./budget.ts";
import type { Quantity } from "./plan-spec.ts";
import { describeClock } from "./zoned-time.ts";

/**
 * Canary, then batches, with a soak between stages. Each node records the batch it was started in, so
 * the stage is read back from the cluster rather than remembered: batch k is full when k's size of nodes
 * carry k; the next opens once all of them have finished and the soak after the last one has passed.
 */

/** A node started for the current target (not skipped), with its batch. */
export interface BatchMember {
  node: string;
  batch: number;
  status: NodeStatus;
  /** When it entered its status; for finished nodes, when they finished. */
  since: number;
}

/** What the stage is read from: the started nodes and the plan's progression settings. */
export interface ProgressionInput {
  members: readonly BatchMember[];
  canary: number | string[];
  /** Nodes that still need the target and have not been started: named canaries count only if here. */
  waiting: ReadonlySet<string>;
  batchSize?: Quantity;
  soakSeconds: number;
  /** Nodes in scope, for a percentage batch size. */
  total: number;
  now: number;
}

/** Where new nodes may start now. */
export interface Stage {
  /** The batch started nodes join (0 = canary). */
  batch: number;
  /** How many more may join it (Infinity without a batch size). */
  seats: number;
  size: number;
  /** Named canaries: only these may join batch 0. */
  only?: ReadonlySet<string>;
  /** Set when no node may start: why. */
  wait?: { code: ReasonCode; reason: string; until?: number };
}

const finished: ReadonlySet<NodeStatus> = new Set(["done", "failed", "rolledBack"]);

function canarySize(input: ProgressionInput): number {
  if (typeof input.canary === "number") return input.canary;
  const started = new Set(input.members.filter((m) => m.batch === 0).map((m) => m.node));
  return input.canary.filter((n) => started.has(n) || input.waiting.has(n)).length;
}

function stageName(batch: number): string {
  return batch === 0 ? "canary" : `batch ${batch}`;
}

/** The stage new nodes go into, read from the batches recorded on the nodes already started. */
export function currentStage(input: ProgressionInput): Stage {
  const canary = canarySize(input);
  const sizeOf = (k: number) =>
    k === 0
      ? canary
      : input.batchSize === undefined
        ? Infinity
        : resolveQuantity(input.batchSize, input.total);
  const open = (k: number, taken: number): Stage => {
    const stage: Stage = { batch: k, seats: sizeOf(k) - taken, size: sizeOf(k) };
    if (k === 0 && typeof input.canary !== "number") stage.only = new Set(input.canary);
    return stage;
  };
  if (input.members.length === 0) return open(canary > 0 ? 0 : 1, 0);
  const k = Math.max(...input.members.map((m) => m.batch));
  const inBatch = input.members.filter((m) => m.batch === k);
  if (inBatch.length < sizeOf(k)) return open(k, inBatch.length);
  const running = inBatch.filter((m) => !finished.has(m.status)).length;
  if (running > 0) {
    const reason =
      k === 0
        ? `canary not yet done (${running} of ${inBatch.length} in progress)`
        : `batch ${k} full (${inBatch.length}/${sizeOf(k)}); waiting for it to finish`;
    return { ...open(k, inBatch.length), wait: { code: k === 0 ? "canary" : "batchFull", reason } };
  }
  const soakEnd = Math.max(...inBatch.map((m) => m.since)) + input.soakSeconds * 1000;
  if (input.now < soakEnd) {
    const reason = `soaking ${stageName(k)} until ${describeClock(soakEnd, input.now)}`;
    return { ...open(k, inBatch.length), wait: { code: "soak", reason, until: soakEnd } };
  }
  return open(k + 1, 0);
}

/** Why a node may not join the open stage (it is full, or the node is not a named canary). */
export function stageRefusal(stage: Stage, node: string): { code: ReasonCode; reason: string } | undefined {
  if (stage.wait) return stage.wait;
  if (stage.only && !stage.only.has(node)) return { code: "canary", reason: "canary not yet done" };
  if (stage.seats > 0) return undefined;
  if (stage.batch === 0) return { code: "canary", reason: "canary not yet done" };
  return { code: "batchFull", reason: `batch ${stage.batch} full (${stage.size}/${stage.size})` };
}
