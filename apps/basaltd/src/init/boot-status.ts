import { basaltVersion, type MachineConfig } from "@basalt/machinery";

/**
 * The console's status block once the node is up, in place of a login prompt: what runs, which slot
 * booted, where the API is, and the addresses to reach it on.
 */
export function bootStatusLines(
  config: MachineConfig,
  cmdline: string,
  interfaces: Record<string, { address: string; family: string; cidr: string | null }[]>,
  uptimeSeconds: number,
): string[] {
  const slot = /basalt\.slot=([AB])/.exec(cmdline)?.[1] ?? "?";
  const addrs = Object.entries(interfaces)
    .filter(([name]) => name !== "lo")
    .flatMap(([name, list]) =>
      list.filter((a) => a.family === "IPv4").map((a) => `${name} ${a.cidr ?? a.address}`),
    );
  return [
    "",
    `  Basalt | basaltd ${basaltVersion} | node ${config.node.name} | slot ${slot} | mode ${config.node.mode}`,
    `  addresses: ${addrs.length > 0 ? addrs.join(", ") : "none"}`,
    `  API: ${config.api.listen} (mTLS; basaltctl version)`,
    `  health: ready after ${uptimeSeconds.toFixed(1)} s of basaltd`,
    "",
  ];
}
