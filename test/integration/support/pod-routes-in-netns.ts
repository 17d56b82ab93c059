/**
 * Runs inside a network namespace (`ip netns exec NS node pod-routes-in-netns.ts NODES_JSON SELF`):
 * one reconcile of the route keeper's decisions through basaltd's real netlink adapter. Prints one
 * JSON line: the routes the adapter reads back as basaltd's, and each action with its outcome.
 */
import { linuxPodNetworkHost } from "../../../apps/basaltd/src/adapters/linux/pod-network-host-linux.ts";
import {
  planPodNetwork,
  planRouteActions,
  podRouteProtocol,
} from "../../../apps/basaltd/src/kubernetes/pod-routes.ts";

const [nodesJson = "[]", self = "w1"] = process.argv.slice(2);
const host = linuxPodNetworkHost(podRouteProtocol);
const plan = planPodNetwork(self, JSON.parse(nodesJson));
const outcomes: string[] = [];
for (const a of planRouteActions(plan.routes, await host.keptRoutes())) {
  try {
    if (a.kind === "add") await host.addRoute(a.route);
    else if (a.kind === "replace") await host.replaceRoute(a.route);
    else await host.removeRoute(a.route);
    outcomes.push(`${a.kind} ${a.route.dst} via ${a.route.via}: ok`);
  } catch (err) {
    outcomes.push(`${a.kind} ${a.route.dst} via ${a.route.via}: ${(err as Error).message}`);
  }
}
console.log(JSON.stringify({ kept: await host.keptRoutes(), outcomes }));
