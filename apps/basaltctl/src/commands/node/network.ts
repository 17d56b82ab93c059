import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

export const networkCommands: Command[] = lazyCommands(() => import("./network-run.ts"), {
  links: {
    path: ["links"],
    summary: "network links (interfaces)",
  },
  addresses: {
    path: ["addresses"],
    summary: "IP addresses per link",
  },
  routes: {
    path: ["routes"],
    summary: "routing table (IPv4 and IPv6)",
  },
  netstat: {
    path: ["netstat"],
    summary: "TCP and UDP sockets with their processes (--listening for servers only)",
    usage: "basaltctl netstat [--listening]",
    options: { listening: { type: "boolean" } },
  },
});
