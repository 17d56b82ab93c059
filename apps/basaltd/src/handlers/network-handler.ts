import type { NetworkService } from "@basalt/api";
import type { ServiceImpl } from "@connectrpc/connect";
import type { DaemonContext } from "../daemon-context.ts";
import type { Host } from "../host.ts";
import { parseRoutes4, parseRoutes6, parseSocketTable, type SocketRow } from "../node-info/net-parsers.ts";

const linkTypes: Record<string, string> = { "1": "ether", "772": "loopback", "65534": "none", "776": "sit" };

/** Links, addresses, routes and sockets as the kernel reports them. */
export function networkService(ctx: DaemonContext): ServiceImpl<typeof NetworkService> {
  const { host } = ctx;
  // /proc/net tables grow with the number of sockets: read at most this much of each.
  const read = (path: string) =>
    host
      .readText(path, 32 * 1024 * 1024)
      .then((s) => s.trim())
      .catch(() => "");
  return {
    async links() {
      const names = (await host.readDir("/sys/class/net")).sort();
      const links = [];
      for (const name of names) {
        const base = `/sys/class/net/${name}`;
        const devtype = /DEVTYPE=(\w+)/.exec(await read(`${base}/uevent`))?.[1];
        links.push({
          name,
          index: Number(await read(`${base}/ifindex`)),
          mac: await read(`${base}/address`),
          mtu: Number(await read(`${base}/mtu`)),
          operstate: await read(`${base}/operstate`),
          kind: devtype ?? linkTypes[await read(`${base}/type`)] ?? "other",
          rxBytes: BigInt((await read(`${base}/statistics/rx_bytes`)) || 0),
          txBytes: BigInt((await read(`${base}/statistics/tx_bytes`)) || 0),
        });
      }
      return { links };
    },
    addresses() {
      const addresses = Object.entries(host.networkInterfaces()).flatMap(([link, addrs]) =>
        addrs.map((a) => ({
          link,
          family: a.family === "IPv6" ? "inet6" : "inet",
          cidr: a.cidr ?? a.address,
        })),
      );
      return { addresses };
    },
    async routes() {
      const v4 = parseRoutes4(await read("/proc/net/route"));
      const v6 = parseRoutes6(await read("/proc/net/ipv6_route"));
      return { routes: [...v4, ...v6] };
    },
    async sockets(req) {
      const rows: SocketRow[] = [];
      for (const proto of ["tcp", "tcp6", "udp", "udp6"]) {
        rows.push(...parseSocketTable(await read(`/proc/net/${proto}`), proto));
      }
      const owners = await socketOwners(host);
      const sockets = rows
        .filter((r) => !req.listeningOnly || r.state === "LISTEN" || r.state === "UNCONN")
        .map(({ inode, ...r }) => ({
          ...r,
          pid: owners.get(inode)?.pid ?? 0,
          process: owners.get(inode)?.command ?? "",
        }));
      return { sockets };
    },
  };
}

/** Bounds of the /proc walk for socket owners: processes looked at, and descriptors in all. */
export const socketWalkLimits = { processes: 16_384, descriptors: 262_144 };

/**
 * Socket inode → owning process, from the /proc/<pid>/fd links (what `netstat -p` does). The walk
 * is bounded: past the limits, the remaining sockets are listed without an owner.
 */
export async function socketOwners(host: Host): Promise<Map<number, { pid: number; command: string }>> {
  const owners = new Map<number, { pid: number; command: string }>();
  const pids = (await host.readDir("/proc"))
    .filter((n) => /^\d+$/.test(n))
    .slice(0, socketWalkLimits.processes);
  let budget = socketWalkLimits.descriptors;
  for (const pid of pids) {
    if (budget <= 0) break;
    const fds = (await host.readDir(`/proc/${pid}/fd`).catch(() => [] as string[])).slice(0, budget);
    budget -= fds.length;
    let command: string | undefined;
    for (const fd of fds) {
      const target = await host.readLink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (!m) continue;
      command ??= (await host.readText(`/proc/${pid}/comm`).catch(() => "")).trim();
      owners.set(Number(m[1]), { pid: Number(pid), command });
    }
  }
  return owners;
}
