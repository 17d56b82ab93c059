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
import { bytes, duration, time } from "../../output/format.ts";
import { nodeCall } from "./node-call.ts";

export const version = nodeCall({
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
});

export const status = nodeCall({
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
});

export const timeline = nodeCall({
  service: NodeService,
  method: "nodeStatus",
  output: NodeStatusResponseSchema,
  rows: (v) =>
    v.bootTimeline.map((s) => ({
      STEP: s.name,
      START: `${(s.startMs / 1000).toFixed(3)} s`,
      DURATION: `${s.durationMs} ms`,
    })),
});

export const hostname = nodeCall({
  service: NodeService,
  method: "hostname",
  output: HostnameResponseSchema,
  rows: (v) => [{ HOSTNAME: v.hostname }],
});

export const cpu = nodeCall({
  service: NodeService,
  method: "cpuInfo",
  output: CpuInfoResponseSchema,
  rows: (v) =>
    v.cpus.map((c) => ({ CPU: c.processor, MODEL: c.modelName, MHZ: c.mhz.toFixed(0), CORES: c.cores })),
});

export const memory = nodeCall({
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
});

export const loadavg = nodeCall({
  service: NodeService,
  method: "loadAvg",
  output: LoadAvgResponseSchema,
  rows: (v) => [{ LOAD1: v.load1, LOAD5: v.load5, LOAD15: v.load15, RUNNING: v.running, TASKS: v.total }],
});

export const processes = nodeCall({
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
});

export const mounts = nodeCall({
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
});

export const disks = nodeCall({
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
});

export const nodeTime = nodeCall({
  service: NodeService,
  method: "time",
  output: TimeResponseSchema,
  rows: (v) => [
    { NOW: time(v.now), BOOTED: time(v.bootTime), UPTIME: duration(v.uptimeSeconds), TIMEZONE: v.timezone },
  ],
});
