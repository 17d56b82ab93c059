import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

const followOptions = { follow: { type: "boolean", short: "f" }, tail: { type: "string" } } as const;

export const streamCommands: Command[] = lazyCommands(() => import("./streams-run.ts"), {
  logs: {
    path: ["logs"],
    summary: "a service's log (or basaltd's own); -f follows, --tail N",
    usage: "basaltctl logs SERVICE [-f] [--tail N]",
    options: followOptions,
  },
  dmesg: {
    path: ["dmesg"],
    summary: "the kernel ring buffer; -f follows, --tail N",
    usage: "basaltctl dmesg [-f] [--tail N]",
    options: followOptions,
  },
  events: {
    path: ["events"],
    summary: "what basaltd did (service changes, config, power); -f follows",
    usage: "basaltctl events [-f] [--tail N]",
    options: followOptions,
  },
  read: {
    path: ["read"],
    summary: "print a file from the node's readable paths (/proc, /sys, /var/log/basalt, ...)",
    usage: "basaltctl read PATH",
  },
  ls: {
    path: ["ls"],
    summary: "list a directory from the node's readable paths",
    usage: "basaltctl ls PATH",
  },
});
