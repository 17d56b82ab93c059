import { BasaltError } from "@basalt/machinery";
import type {
  Accepted,
  AgentCallOptions,
  NodeAgent,
  NodeAgentStatus,
  NodeRef,
  UpgradeTarget,
} from "@basalt/rollout";

/**
 * A NodeAgent whose every call belongs to the current leadership term: `term()` returns the
 * AbortSignal leader election gave this replica when it started leading (it fires when the Lease is
 * lost). A call made outside a term is refused; a call in flight when the term ends is aborted, so a
 * replica that lost the Lease stops talking to nodes at once instead of finishing an upgrade or a
 * reboot the new leader does not know about.
 */
export function termBoundAgent(inner: NodeAgent, term: () => AbortSignal | undefined): NodeAgent {
  const current = (what: string, node: NodeRef): AbortSignal => {
    const signal = term();
    if (!signal || signal.aborted) {
      throw new BasaltError("canceled", `${what} on node ${node.name} not sent: this replica does not lead`, {
        hint: "the leader's calls only; this one resumes if it leads again",
      });
    }
    return signal;
  };
  const bound = (signal: AbortSignal, options: AgentCallOptions | undefined): AgentCallOptions => ({
    signal: options?.signal ? AbortSignal.any([signal, options.signal]) : signal,
  });
  return {
    kind: inner.kind,
    async upgrade(node: NodeRef, target: UpgradeTarget, options?: AgentCallOptions): Promise<Accepted> {
      const signal = current("upgrade", node);
      return guard(signal, () => inner.upgrade(node, target, bound(signal, options)));
    },
    async rollback(node: NodeRef, options?: AgentCallOptions): Promise<Accepted> {
      const signal = current("rollback", node);
      return guard(signal, () => inner.rollback(node, bound(signal, options)));
    },
    async status(node: NodeRef, options?: AgentCallOptions): Promise<NodeAgentStatus> {
      const signal = current("status", node);
      return guard(signal, () => inner.status(node, bound(signal, options)));
    },
  };
}

/** Runs `call`; when the term ended meanwhile, the answer is the term's end, whatever the call said. */
async function guard<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  try {
    const value = await call();
    if (signal.aborted) throw termEnded(signal);
    return value;
  } catch (err) {
    if (signal.aborted) throw termEnded(signal);
    throw err;
  }
}

function termEnded(signal: AbortSignal): BasaltError {
  const why = signal.reason instanceof Error ? signal.reason.message : "leadership lost";
  return new BasaltError("canceled", `aborted: the leadership term ended (${why})`);
}
