import type { ClusterPhase } from "./cluster-plan.ts";

/**
 * Progress of a create, one JSON object per line in `<cluster dir>/progress.jsonl`: the detached
 * host writes it, the `create` command that started the host follows it and prints each line.
 */
export interface ClusterEvent {
  /** ms since the create began */
  t: number;
  phase: ClusterPhase;
  node?: string;
  message: string;
  /** Set on the last event: the cluster is ready, or the create failed (then `hint` says where to look). */
  end?: "ready" | "failed";
  hint?: string;
}

/** Parses the complete lines of a progress file; a torn last line (being written) is left for later. */
export function parseProgress(text: string): { events: ClusterEvent[]; consumed: number } {
  const events: ClusterEvent[] = [];
  let consumed = 0;
  for (;;) {
    const nl = text.indexOf("\n", consumed);
    if (nl < 0) break;
    const line = text.slice(consumed, nl);
    consumed = nl + 1;
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as ClusterEvent);
    } catch {
      // Not ours (a stray write): skip it rather than stop following.
    }
  }
  return { events, consumed };
}

/** One human line: `  42.1s  boot        demo-w1  API ready at 127.0.0.1:40123`. */
export function formatEvent(e: ClusterEvent): string {
  const where = e.node ? `${e.node}: ` : "";
  return `${(e.t / 1000).toFixed(1).padStart(7)}s  ${e.phase.padEnd(11)} ${where}${e.message}`;
}
