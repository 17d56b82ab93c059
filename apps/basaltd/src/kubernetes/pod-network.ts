import type { Kube, KubeEndpoint } from "@basalt/kube";
import { type CachedNode, watchNodes } from "./node-watch.ts";
import type { PodNetworkHost } from "./pod-network-ports.ts";
import { RouteKeeper } from "./route-keeper.ts";

export interface PodNetworkDeps {
  nodeName: string;
  host: PodNetworkHost;
  endpoint(): Promise<KubeEndpoint>;
  client(endpoint: KubeEndpoint): Kube & { close?(): void };
  /** An event (subject `pod-routes`). */
  report(message: string): void;
  resyncMs?: number;
}

/**
 * Host-gw pod networking on a worker: a watch of every Node feeds the route keeper, which holds one
 * route per other Node (its podCIDR via its InternalIP) and the masquerade table. Runs until
 * `signal` aborts; a watch error is reported once per distinct message until the watch recovers.
 */
export async function runPodNetwork(deps: PodNetworkDeps, signal: AbortSignal): Promise<void> {
  const keeper = new RouteKeeper({
    self: deps.nodeName,
    host: deps.host,
    report: deps.report,
    ...(deps.resyncMs === undefined ? {} : { resyncMs: deps.resyncMs }),
  });
  let lastError = "";
  const keeping = keeper.run(signal);
  await watchNodes(
    {
      endpoint: deps.endpoint,
      client: deps.client,
      onNodes: (nodes: CachedNode[]) => {
        if (lastError) deps.report(`watching Nodes: ${nodes.length} now`);
        lastError = "";
        keeper.update(nodes);
      },
      onError: (err) => {
        const message = (err as Error).message;
        // Before kubelet's TLS bootstrap there is no certificate yet: that is waiting, not a fault.
        const waiting = (err as { code?: string }).code === "not_found";
        if (message !== lastError)
          deps.report(waiting ? `waiting: ${message}` : `problem watching Nodes: ${message}; retrying`);
        lastError = message;
      },
      sleep: deps.host.sleep,
    },
    signal,
  );
  await keeping;
}
