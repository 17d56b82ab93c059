/**
 * Host-gw pod networking, the decision half: which host routes this node should hold (one per other
 * Node: its podCIDR via its InternalIP), and what to do to the routes it holds now to get there.
 * Pure: the Node objects come from a watch and the current routes from the kernel (netlink, in
 * adapters/linux); both are handed in, and every action carries the reason it is taken.
 */

/** The rtnetlink route protocol that marks a route as basaltd's own (`ip route … proto 147`). */
export const podRouteProtocol = 147;

/** What the route keeper reads from a Node object. */
export interface PodNetworkNode {
  name: string;
  /** spec.podCIDRs (or spec.podCIDR), as the apiserver has them. */
  podCidrs: string[];
  /** status.addresses of type InternalIP. */
  internalIps: string[];
}

/** A route this node should hold: `dst` (another Node's podCIDR) via that Node's address. */
export interface PodRoute {
  dst: string;
  via: string;
  node: string;
}

/** A route basaltd added earlier (protocol {@link podRouteProtocol} in the main table). */
export interface KeptRoute {
  dst: string;
  via: string;
}

export type RouteAction =
  | { kind: "add"; route: PodRoute; reason: string }
  | { kind: "replace"; route: PodRoute; was: KeptRoute; reason: string }
  | { kind: "remove"; route: KeptRoute; reason: string };

/** What the Nodes say this node's pod network should be. */
export interface PodNetworkPlan {
  routes: PodRoute[];
  /** This node's own IPv4 podCIDR, once the controller-manager has given it one. */
  ownPodCidr: string | undefined;
  /** Every Node's IPv4 podCIDR (this node's too): traffic between them is never masqueraded. */
  podCidrs: string[];
  /** Nodes that get no route, and why (no podCIDR yet, no InternalIP, a clash). */
  skipped: { node: string; reason: string }[];
}

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The 32-bit value of a dotted IPv4 address, or undefined if it is not one. */
export function ipv4Value(address: string): number | undefined {
  const m = ipv4.exec(address);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** An IPv4 CIDR in canonical form ("10.244.1.0/24"), or undefined if it is not one or has host bits set. */
export function canonicalCidr(cidr: string): string | undefined {
  const [addr = "", len = "", extra] = cidr.split("/");
  const value = ipv4Value(addr);
  if (value === undefined || extra !== undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const prefix = Number(len);
  if (prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((value & mask) >>> 0 !== value) return undefined;
  return `${addr}/${prefix}`;
}

function range(cidr: string): [number, number] {
  const [addr, len] = cidr.split("/");
  const start = ipv4Value(addr!)!;
  return [start, start + 2 ** (32 - Number(len)) - 1];
}

/** Whether two canonical IPv4 CIDRs share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}

/** Whether an IPv4 address lies inside a canonical CIDR. */
export function cidrContains(cidr: string, address: string): boolean {
  const v = ipv4Value(address);
  if (v === undefined) return false;
  const [lo, hi] = range(cidr);
  return v >= lo && v <= hi;
}

/**
 * The routes and masquerade exemptions the Nodes call for, seen from node `self`. Only IPv4 is
 * routed (an IPv6 podCIDR is passed over without a word: the cluster is IPv4 here). Nodes are taken
 * in name order, so when two claim overlapping podCIDRs the same one wins on every node.
 */
export function planPodNetwork(self: string, nodes: readonly PodNetworkNode[]): PodNetworkPlan {
  const sorted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const v4 = (n: PodNetworkNode) => n.podCidrs.filter((c) => c.includes(".") && !c.includes(":"));
  const skipped: PodNetworkPlan["skipped"] = [];
  const me = sorted.find((n) => n.name === self);
  const ownRaw = me ? v4(me)[0] : undefined;
  const ownPodCidr = ownRaw === undefined ? undefined : canonicalCidr(ownRaw);
  const ownIps = new Set(me?.internalIps ?? []);
  const taken: { cidr: string; node: string }[] = ownPodCidr ? [{ cidr: ownPodCidr, node: self }] : [];
  const routes: PodRoute[] = [];
  for (const n of sorted) {
    if (n.name === self) continue;
    const raw = v4(n)[0];
    if (raw === undefined) {
      skipped.push({ node: n.name, reason: "no IPv4 podCIDR yet (the controller-manager allocates it)" });
      continue;
    }
    const dst = canonicalCidr(raw);
    if (dst === undefined) {
      skipped.push({ node: n.name, reason: `podCIDR ${raw} is not an IPv4 network address` });
      continue;
    }
    const via = n.internalIps.find((ip) => ipv4Value(ip) !== undefined);
    if (via === undefined) {
      skipped.push({ node: n.name, reason: "no IPv4 InternalIP to route its pods through" });
      continue;
    }
    if (ownIps.has(via)) {
      skipped.push({ node: n.name, reason: `its InternalIP ${via} is this node's own address` });
      continue;
    }
    if (cidrContains(dst, via)) {
      skipped.push({ node: n.name, reason: `its InternalIP ${via} lies inside its own podCIDR ${dst}` });
      continue;
    }
    const clash = taken.find((t) => cidrsOverlap(t.cidr, dst));
    if (clash) {
      skipped.push({
        node: n.name,
        reason: `podCIDR ${dst} overlaps ${clash.cidr} of Node ${clash.node}`,
      });
      continue;
    }
    taken.push({ cidr: dst, node: n.name });
    routes.push({ dst, via, node: n.name });
  }
  return { routes, ownPodCidr, podCidrs: taken.map((t) => t.cidr).sort(), skipped };
}

/**
 * What to do to the routes basaltd holds (`current`, only ever its own) so they become `desired`:
 * add the missing, replace those whose gateway changed, remove those no Node calls for. A
 * destination held twice (which the kernel allows at different metrics) is removed and added back
 * once. Routes are keyed by destination, as the main table keys them.
 */
export function planRouteActions(desired: readonly PodRoute[], current: readonly KeptRoute[]): RouteAction[] {
  const actions: RouteAction[] = [];
  const held = new Map<string, KeptRoute[]>();
  for (const r of current) held.set(r.dst, [...(held.get(r.dst) ?? []), r]);
  const wanted = new Set(desired.map((r) => r.dst));
  for (const [dst, list] of held) {
    if (!wanted.has(dst))
      for (const r of list)
        actions.push({ kind: "remove", route: r, reason: `no Node has podCIDR ${dst} any more` });
    else if (list.length > 1)
      for (const r of list)
        actions.push({
          kind: "remove",
          route: r,
          reason: `${dst} is held ${list.length} times: keeping one`,
        });
  }
  for (const route of desired) {
    const list = held.get(route.dst) ?? [];
    const what = `Node ${route.node}'s podCIDR ${route.dst} via its InternalIP ${route.via}`;
    if (list.length !== 1) actions.push({ kind: "add", route, reason: what });
    else if (list[0]!.via !== route.via)
      actions.push({
        kind: "replace",
        route,
        was: list[0]!,
        reason: `${what} (was via ${list[0]!.via})`,
      });
  }
  return actions;
}

/** One line for an event: "add 10.244.2.0/24 via 10.77.0.12: Node w2's podCIDR …". */
export function describeAction(a: RouteAction): string {
  return `${a.kind} ${a.route.dst} via ${a.route.via}: ${a.reason}`;
}
