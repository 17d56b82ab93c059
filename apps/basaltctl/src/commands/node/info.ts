import {
  CpuInfoResponseSchema,
  DisksResponseSchema,
  HostnameResponseSchema,
  LoadAvgResponseSchema,
  MemoryResponseSchema,
  MountsResponseSchema,
  NodeService,
  NodeStatusResponseSchema,
  ProcessesResponseSchema,
  TimeResponseSchema,
  VersionResponseSchema,
} from "@basalt/api";
import type { Command } from "../../cli/command.ts";
import { bytes, duration, time } from "../../output/format.ts";
import { nodeCommand } from "./node-command.ts";

/** Read-only questions about the machine: versions, hardware, load, processes, mounts, disks, time. */
export const infoCommands: Command[] = [
  nodeCommand({
    path: ["version"],
    summary: "basaltd, OS, kernel and Node versions, mode and booted slot",
    service: NodeService,
    method: "version",
    output: VersionResponseSchema,
    rows: (v) => [
      {
        BASALT: v.basaltVersion,
        MODE: v.mode,
        OS: `${v.osName} ${v.osVersion}`.trim(),
        KERNEL: v.kernelRelease,
        NODEJS: v.nodeVersion,
        ARCH: v.arch,
        SLOT: v.bootedSlot || "-",
      },
    ],
  }),
  nodeCommand({
    path: ["status"],
    summary: "where the node stands: boot ID, booted version and slot, blessed, health, pending reboot",
    service: NodeService,
    method: "nodeStatus",
    output: NodeStatusResponseSchema,
    rows: (v) => [
      {
        VERSION: v.bootedVersion,
        SLOT: v.bootedSlot || "-",
        BLESSED: v.bootedSlot ? String(v.blessed) : "-",
        HEALTHY: String(v.healthy),
        REBOOT: v.rebootRequired ? "required" : "-",
        KUBELET: v.kubeletVersion || "-",
        BOOT_ID: v.bootId,
        REASONS: v.healthReasons.map((r) => `${r.source}: ${r.message}`).join("; ") || "-",
      },
    ],
  }),
  nodeCommand({
    path: ["timeline"],
    summary:
      "where this boot's time went: firmware, loader, kernel, initramfs, Node start-up, basaltd's phases, Kubernetes",
    service: NodeService,
    method: "nodeStatus",
    output: NodeStatusResponseSchema,
    rows: (v) =>
      v.bootTimeline.map((s) => ({
        STEP: s.name,
        START: `${(s.startMs / 1000).toFixed(3)} s`,
        DURATION: `${s.durationMs} ms`,
      })),
  }),
  nodeCommand({
    path: ["hostname"],
    summary: "the node's hostname",
    service: NodeService,
    method: "hostname",
    output: HostnameResponseSchema,
    rows: (v) => [{ HOSTNAME: v.hostname }],
  }),
  nodeCommand({
    path: ["cpu"],
    summary: "processors (/proc/cpuinfo)",
    service: NodeService,
    method: "cpuInfo",
    output: CpuInfoResponseSchema,
    rows: (v) =>
      v.cpus.map((c) => ({ CPU: c.processor, MODEL: c.modelName, MHZ: c.mhz.toFixed(0), CORES: c.cores })),
  }),
  nodeCommand({
    path: ["memory"],
    summary: "memory and swap (/proc/meminfo)",
    service: NodeService,
    method: "memory",
    output: MemoryResponseSchema,
    rows: (v) => [
      {
        TOTAL: bytes(v.totalBytes),
        USED: bytes(v.totalBytes - v.availableBytes),
        FREE: bytes(v.freeBytes),
        AVAILABLE: bytes(v.availableBytes),
        CACHED: bytes(v.cachedBytes),
        SWAP: `${bytes(v.swapTotalBytes - v.swapFreeBytes)}/${bytes(v.swapTotalBytes)}`,
      },
    ],
  }),
  nodeCommand({
    path: ["loadavg"],
    summary: "load averages and task counts",
    service: NodeService,
    method: "loadAvg",
    output: LoadAvgResponseSchema,
    rows: (v) => [{ LOAD1: v.load1, LOAD5: v.load5, LOAD15: v.load15, RUNNING: v.running, TASKS: v.total }],
  }),
  nodeCommand({
    path: ["processes"],
    summary: "running processes (ps)",
    service: NodeService,
    method: "processes",
    output: ProcessesResponseSchema,
    rows: (v) =>
      v.processes.map((p) => ({
        PID: p.pid,
        PPID: p.ppid,
        STATE: p.state,
        THREADS: p.threads,
        "CPU-TIME": `${(Number(p.cpuTimeMs) / 1000).toFixed(1)}s`,
        RSS: bytes(p.rssBytes),
        COMMAND: (p.args || p.command).slice(0, 100),
      })),
  }),
  nodeCommand({
    path: ["mounts"],
    summary: "mounted filesystems, read-only flag and usage",
    service: NodeService,
    method: "mounts",
    output: MountsResponseSchema,
    rows: (v) =>
      v.mounts.map((m) => ({
        SOURCE: m.source,
        TARGET: m.target,
        TYPE: m.fstype,
        RO: m.readOnly ? "ro" : "rw",
        SIZE: m.sizeBytes ? bytes(m.sizeBytes) : "-",
        AVAILABLE: m.sizeBytes ? bytes(m.availableBytes) : "-",
      })),
  }),
  nodeCommand({
    path: ["disks"],
    summary: "block devices (/sys/block)",
    service: NodeService,
    method: "disks",
    output: DisksResponseSchema,
    rows: (v) =>
      v.disks.map((d) => ({
        NAME: d.name,
        TYPE: d.type,
        SIZE: bytes(d.sizeBytes),
        MODEL: d.model || "-",
        SERIAL: d.serial || "-",
        RO: d.readOnly ? "ro" : "rw",
      })),
  }),
  nodeCommand({
    path: ["time"],
    summary: "the node's clock, boot time and uptime",
    service: NodeService,
    method: "time",
    output: TimeResponseSchema,
    rows: (v) => [
      { NOW: time(v.now), BOOTED: time(v.bootTime), UPTIME: duration(v.uptimeSeconds), TIMEZONE: v.timezone },
    ],
  }),
];
