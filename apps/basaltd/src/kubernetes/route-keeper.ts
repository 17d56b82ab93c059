import { renderPodMasquerade } from "./pod-masquerade.ts";
import type { PodNetworkHost } from "./pod-network-ports.ts";
import { describeAction, type PodNetworkNode, planPodNetwork, planRouteActions } from "./pod-routes.ts";

export interface RouteKeeperOptions {
  self: string;
  host: PodNetworkHost;
  /** An event for `basaltctl events` (subject `pod-routes`). */
  report(message: string): void;
  /** How often routes are checked even with no Node change, to put back a route someone removed (ms). */
  resyncMs?: number;
  /** First and longest wait before retrying after a failure (ms); doubles in between. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Keeps this node's host routes to the other Nodes' pods (and the masquerade table) in line with the
 * Nodes it is told about. `update` hands it the current Nodes (from a watch); `run` reconciles on
 * every change and every `resyncMs`, and retries a failed pass with exponential backoff. Each action
 * is reported once with its reason; a skipped Node or a failure is reported once until it changes,
 * so a steady state is silent.
 */
export class RouteKeeper {
  readonly #o: Required<RouteKeeperOptions>;
  #nodes: PodNetworkNode[] | undefined;
  #nodesKey = "";
  #wake: (() => void) | undefined;
  #dirty = false;
  #masquerade: string | undefined;
  #said = new Set<string>();
  /** Passes run, and passes that failed (for tests and the log). */
  passes = 0;
  failures = 0;

  constructor(options: RouteKeeperOptions) {
    this.#o = { resyncMs: 60_000, backoffMs: 1000, maxBackoffMs: 60_000, ...options };
  }

  /** The Nodes as they are now (the whole list, not a delta); an unchanged list wakes nothing. */
  update(nodes: readonly PodNetworkNode[]): void {
    const key = JSON.stringify([...nodes].sort((a, b) => (a.name < b.name ? -1 : 1)));
    if (key === this.#nodesKey) return;
    this.#nodesKey = key;
    this.#nodes = [...nodes];
    this.#dirty = true;
    this.#wake?.();
  }

  /** Reconciles until `signal` aborts. Nothing is done before the first `update`. */
  async run(signal: AbortSignal): Promise<void> {
    let delay = this.#o.backoffMs;
    while (!signal.aborted) {
      if (this.#nodes && this.#dirty) {
        this.#dirty = false;
        if (!(await this.pass())) {
          // A Node change does not cut the backoff short: a failing kernel call is not hammered.
          this.#dirty = true;
          await this.#o.host.sleep(delay, signal).catch(() => {});
          delay = Math.min(delay * 2, this.#o.maxBackoffMs);
          continue;
        }
        delay = this.#o.backoffMs;
      }
      if (this.#dirty) continue;
      const woken = new AbortController();
      this.#wake = () => woken.abort();
      await this.#o.host.sleep(this.#o.resyncMs, AbortSignal.any([signal, woken.signal])).catch(() => {});
      this.#wake = undefined;
      if (this.#nodes) this.#dirty = true; // woken by a change, or the periodic check
    }
  }

  /** Says `message` once; again only after it stopped being true (see `#forget`). */
  #once(key: string, message: string): void {
    if (this.#said.has(key)) return;
    this.#said.add(key);
    this.#o.report(message);
  }

  /** One reconcile pass; true if everything it tried succeeded. */
  async pass(): Promise<boolean> {
    this.passes++;
    const { host, report } = this.#o;
    const plan = planPodNetwork(this.#o.self, this.#nodes ?? []);
    const current = new Set<string>();
    for (const s of plan.skipped) {
      const key = `skip ${s.node}: ${s.reason}`;
      current.add(key);
      this.#once(key, `no route to Node ${s.node}'s pods: ${s.reason}`);
    }
    if (!plan.ownPodCidr) {
      const key = "no own podCIDR";
      current.add(key);
      this.#once(key, `this Node (${this.#o.self}) has no IPv4 podCIDR yet: pods cannot masquerade`);
    }
    const problems: string[] = [];
    try {
      const script = renderPodMasquerade(plan.ownPodCidr, plan.podCidrs);
      if (script !== this.#masquerade) {
        await host.setMasquerade(script);
        this.#masquerade = script;
        if (plan.ownPodCidr)
          report(
            `masquerade from ${plan.ownPodCidr} except to pod CIDRs ${plan.podCidrs.join(", ")} (nft table basalt_pods)`,
          );
      }
    } catch (err) {
      problems.push(`masquerade: ${(err as Error).message}`);
    }
    try {
      const actions = planRouteActions(plan.routes, await host.keptRoutes());
      for (const a of actions) {
        try {
          if (a.kind === "add") await host.addRoute(a.route);
          else if (a.kind === "replace") await host.replaceRoute(a.route);
          else await host.removeRoute(a.route);
          report(describeAction(a));
        } catch (err) {
          problems.push(`${describeAction(a)}: ${(err as Error).message}`);
        }
      }
    } catch (err) {
      problems.push(`reading routes: ${(err as Error).message}`);
    }
    for (const p of problems) {
      const key = `problem ${p}`;
      current.add(key);
      this.#once(key, `problem: ${p}; retrying with backoff`);
    }
    // What is no longer true may be said again when it comes back.
    for (const key of [...this.#said]) if (!current.has(key)) this.#said.delete(key);
    if (problems.length) this.failures++;
    return problems.length === 0;
  }
}
