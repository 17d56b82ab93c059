import { BasaltError } from "@basalt/machinery";
import type { ControlPlane } from "./control-plane.ts";
import { createKwokNodes, type KwokNodesOptions, waitForNodesReady } from "./kwok.ts";
import { processMemory } from "./proc-stats.ts";

/** What registering a batch of kwok Nodes cost. */
export interface NodeScaleResult {
  count: number;
  /** From the first create request to the last create response. */
  createMs: number;
  /** From the first create request until all of them were Ready. */
  readyMs: number;
  /** kube-apiserver resident memory once they were all Ready (and its peak so far). */
  apiserverRssBytes: number;
  apiserverPeakRssBytes: number;
}

/**
 * Creates `count` kwok Nodes and waits until all are Ready, timing both and reading the apiserver's
 * memory afterwards. The measurement behind the scale smoke test and bench/k8s-scale.bench.ts.
 * Needs kwok running (`startKwok`).
 */
export async function timeKwokNodes(
  cp: ControlPlane,
  count: number,
  options: KwokNodesOptions & { timeoutMs?: number } = {},
): Promise<NodeScaleResult> {
  const pid = cp.component("kube-apiserver")?.pid;
  if (pid === undefined) throw new BasaltError("failed_precondition", "kube-apiserver is not running");
  const started = performance.now();
  const names = await createKwokNodes(cp, count, options);
  const createMs = performance.now() - started;
  // Listing 1000 Nodes is itself work for the apiserver: poll less often the more there are.
  await waitForNodesReady(cp, names, options.timeoutMs ?? 600_000, { intervalMs: count > 200 ? 1000 : 250 });
  const readyMs = performance.now() - started;
  const mem = processMemory(pid);
  return {
    count,
    createMs,
    readyMs,
    apiserverRssBytes: mem.rssBytes,
    apiserverPeakRssBytes: mem.peakRssBytes,
  };
}
