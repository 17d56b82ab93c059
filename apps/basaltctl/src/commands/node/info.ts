import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

/** Read-only questions about the machine: versions, hardware, load, processes, mounts, disks, time. */
export const infoCommands: Command[] = lazyCommands(() => import("./info-run.ts"), {
  version: {
    path: ["version"],
    summary: "basaltd, OS, kernel and Node versions, mode and booted slot",
  },
  status: {
    path: ["status"],
    summary: "where the node stands: boot ID, booted version and slot, blessed, health, pending reboot",
  },
  timeline: {
    path: ["timeline"],
    summary:
      "where this boot's time went: firmware, loader, kernel, initramfs, Node start-up, basaltd's phases, Kubernetes",
  },
  hostname: {
    path: ["hostname"],
    summary: "the node's hostname",
  },
  cpu: {
    path: ["cpu"],
    summary: "processors (/proc/cpuinfo)",
  },
  memory: {
    path: ["memory"],
    summary: "memory and swap (/proc/meminfo)",
  },
  loadavg: {
    path: ["loadavg"],
    summary: "load averages and task counts",
  },
  processes: {
    path: ["processes"],
    summary: "running processes (ps)",
  },
  mounts: {
    path: ["mounts"],
    summary: "mounted filesystems, read-only flag and usage",
  },
  disks: {
    path: ["disks"],
    summary: "block devices (/sys/block)",
  },
  nodeTime: {
    path: ["time"],
    summary: "the node's clock, boot time and uptime",
  },
});
