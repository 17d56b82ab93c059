import type { NetworkPlan } from "../../config/network-plan.ts";
import { removeAddress, removeRoute } from "../../network/rtnetlink.ts";
import { linuxInitHost, netlinkRequest } from "./init-host-linux.ts";
import { syscalls } from "./syscalls.ts";

/**
 * Carries out a network plan on the machine basaltd is PID 1 of: routes and addresses removed over
 * rtnetlink, interfaces configured as at boot, the hostname set, /run/resolv.conf rewritten. Returns
 * what it did. A step that fails is reported and the rest still run (a half-changed network is
 * better than stopping early; try mode reverts the whole change).
 */
export async function applyNetworkPlan(plan: NetworkPlan): Promise<string[]> {
  const host = linuxInitHost();
  const sys = await syscalls();
  const notes: string[] = [];
  const step = async (what: string, work: () => Promise<void> | void) => {
    try {
      await work();
      notes.push(what);
    } catch (err) {
      notes.push(`${what} failed: ${(err as Error).message}`);
    }
  };
  const sock = sys.netlinkRoute();
  try {
    for (const r of plan.removeRoutes)
      await step(`route ${r.to} via ${r.via} removed`, () =>
        netlinkRequest(sock, (s) => removeRoute(s, sys.ifIndex(r.iface), r.to, r.via), `route ${r.to}`),
      );
    for (const a of plan.removeAddresses)
      await step(`address ${a.cidr} removed from ${a.iface}`, () =>
        netlinkRequest(sock, (s) => removeAddress(s, sys.ifIndex(a.iface), a.cidr), `address ${a.cidr}`),
      );
  } finally {
    sock.close();
  }
  for (const iface of plan.configure)
    await step(`${iface.name} configured (${iface.addresses.join(", ") || "no addresses"})`, () =>
      host.configureInterface(iface),
    );
  if (plan.hostname !== undefined) {
    const name = plan.hostname;
    await step(`hostname ${name}`, () => host.sethostname(name));
  }
  if (plan.nameservers !== undefined) {
    const ns = plan.nameservers;
    await step("resolv.conf rewritten", () =>
      host.writeText("/run/resolv.conf", ns.map((n) => `nameserver ${n}\n`).join("")),
    );
  }
  return notes;
}
