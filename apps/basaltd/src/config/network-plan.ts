import type { InterfaceConfig, MachineConfig } from "@basalt/machinery";

/** What a live network change does, in order: routes and addresses that go, then interfaces (re)configured. */
export interface NetworkPlan {
  /** The new hostname, when it changed. */
  hostname?: string;
  removeRoutes: { iface: string; to: string; via: string }[];
  removeAddresses: { iface: string; cidr: string }[];
  /** Interfaces to bring up with their (new) addresses and routes (adding is idempotent: replace). */
  configure: InterfaceConfig[];
  /** Nameservers to write, when they changed. */
  nameservers?: string[];
}

const key = (r: { to: string; via: string }) => `${r.to} via ${r.via}`;

/**
 * The steps from `previous`'s network section to `next`'s, for init mode (agent mode never touches
 * the host's network). Pure. An interface that disappears from the config loses its addresses and
 * routes; the link itself stays up (another config may name it again).
 */
export function planNetworkChange(previous: MachineConfig, next: MachineConfig): NetworkPlan {
  const name = (c: MachineConfig) => c.network?.hostname ?? c.node.name;
  const before = new Map((previous.network?.interfaces ?? []).map((i) => [i.name, i]));
  const after = new Map((next.network?.interfaces ?? []).map((i) => [i.name, i]));
  const plan: NetworkPlan = { removeRoutes: [], removeAddresses: [], configure: [] };
  if (name(previous) !== name(next)) plan.hostname = name(next);
  for (const [iface, old] of before) {
    const now = after.get(iface);
    const keepRoutes = new Set((now?.routes ?? []).map(key));
    const keepAddresses = new Set(now?.addresses ?? []);
    for (const r of old.routes) if (!keepRoutes.has(key(r))) plan.removeRoutes.push({ iface, ...r });
    for (const a of old.addresses) if (!keepAddresses.has(a)) plan.removeAddresses.push({ iface, cidr: a });
  }
  for (const [iface, now] of after) {
    if (
      JSON.stringify(before.get(iface)) !== JSON.stringify(now) ||
      plan.removeAddresses.some((a) => a.iface === iface)
    )
      plan.configure.push(now);
  }
  const ns = (c: MachineConfig) => c.network?.nameservers ?? [];
  if (JSON.stringify(ns(previous)) !== JSON.stringify(ns(next))) plan.nameservers = ns(next);
  return plan;
}

/** Whether the plan does nothing. */
export function emptyPlan(plan: NetworkPlan): boolean {
  return (
    plan.hostname === undefined &&
    plan.nameservers === undefined &&
    plan.removeRoutes.length + plan.removeAddresses.length + plan.configure.length === 0
  );
}
