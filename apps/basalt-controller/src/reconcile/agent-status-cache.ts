import { toBasaltError } from "@basalt/machinery";
import type { NodeAgent, NodeAgentStatus, NodeObject } from "@basalt/rollout";
import { nodeRef } from "@basalt/rollout";

/**
 * What each node's agent last reported (versions, health, pending reboot), refreshed before a pass
 * for the nodes whose answer is older than their freshness: nodes in the middle of an upgrade are
 * asked often, the others rarely. A node that does not answer keeps its last report (and is retried);
 * one that never answered has none, and the planner treats it as not healthy and not on the target.
 */
export interface AgentStatusCacheOptions {
  agent: NodeAgent;
  now(): number;
  /** Calls in flight at once. */
  concurrency?: number;
  onError?(node: string, err: unknown): void;
}

interface Entry {
  status?: NodeAgentStatus;
  at: number;
}

export class AgentStatusCache {
  readonly #o: AgentStatusCacheOptions;
  readonly #entries = new Map<string, Entry>();

  constructor(options: AgentStatusCacheOptions) {
    this.#o = options;
  }

  get(node: string): NodeAgentStatus | undefined {
    return this.#entries.get(node)?.status;
  }

  /** Forgets nodes that are gone. */
  retain(names: ReadonlySet<string>): void {
    for (const k of this.#entries.keys()) if (!names.has(k)) this.#entries.delete(k);
  }

  /**
   * When the first of `nodes` is next due for a refresh (ms since the epoch); undefined when none
   * ever is (every `maxAge` is 0: statuses that cost nothing to read are never cached for long).
   */
  nextDue(nodes: Iterable<NodeObject>, maxAge: (node: NodeObject) => number): number | undefined {
    let due: number | undefined;
    for (const n of nodes) {
      const age = maxAge(n);
      if (age <= 0) continue;
      const at = (this.#entries.get(n.name)?.at ?? this.#o.now()) + age;
      if (due === undefined || at < due) due = at;
    }
    return due;
  }

  /**
   * Asks the agents of `nodes` whose report is older than `maxAge(node)` ms, and waits at most
   * `budgetMs` for them (answers that come later are kept for the next pass).
   */
  async refresh(
    nodes: Iterable<NodeObject>,
    maxAge: (node: NodeObject) => number,
    budgetMs = 5000,
  ): Promise<void> {
    const now = this.#o.now();
    const stale = [...nodes].filter((n) => now - (this.#entries.get(n.name)?.at ?? -Infinity) >= maxAge(n));
    if (stale.length === 0) return;
    let next = 0;
    const worker = async () => {
      while (next < stale.length) {
        const node = stale[next++]!;
        const entry = this.#entries.get(node.name) ?? { at: 0 };
        entry.at = this.#o.now();
        this.#entries.set(node.name, entry);
        try {
          entry.status = await this.#o.agent.status(nodeRef(node));
        } catch (err) {
          this.#o.onError?.(node.name, toBasaltError(err));
        }
      }
    };
    const all = Promise.all(
      Array.from({ length: Math.min(this.#o.concurrency ?? 32, stale.length) }, worker),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, budgetMs)))]);
    clearTimeout(timer);
  }
}
