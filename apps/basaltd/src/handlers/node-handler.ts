import type { NodeService } from "@basalt/api";
import { basaltVersion } from "@basalt/machinery";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { callerMaySeeSecrets } from "../api/caller.ts";
import type { DaemonContext } from "../daemon-context.ts";
import {
  parseCpuinfo,
  parseLoadavg,
  parseMeminfo,
  parseMountinfo,
  parseProcStat,
} from "../node-info/proc-parsers.ts";
import { redactArgs } from "../redact.ts";
import { readNodeStatus } from "./node-status.ts";
import { type VersionFacts, versionFacts } from "./version-facts.ts";

// Parsed from text a process controls (its name is in /proc/<pid>/stat): never let NaN reach BigInt.
const big = (n: number) => BigInt(Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : 0);

/** Bounds of the /proc walk: a node with more processes is answered with the first ones. */
export const maxProcesses = 16_384;
/** A command line can be megabytes long; what the API shows of it is this much. */
export const maxArgsBytes = 4096;

/** Node information straight from /proc and /sys of the machine basaltd runs on. */
export function nodeService(ctx: DaemonContext): ServiceImpl<typeof NodeService> {
  const { host } = ctx;
  let facts: (() => Promise<VersionFacts>) | undefined;
  return {
    async version() {
      facts ??= versionFacts((path) => host.readText(path), ctx.config.node.mode === "init");
      return {
        basaltVersion,
        mode: ctx.config.node.mode,
        nodeVersion: process.version,
        arch: process.arch,
        ...(await facts()),
      };
    },
    hostname: () => ({ hostname: host.hostname() }),
    nodeStatus: () => readNodeStatus(ctx),
    async cpuInfo() {
      return { cpus: parseCpuinfo(await host.readText("/proc/cpuinfo")) };
    },
    async memory() {
      const m = parseMeminfo(await host.readText("/proc/meminfo"));
      return {
        totalBytes: big(m.MemTotal ?? 0),
        freeBytes: big(m.MemFree ?? 0),
        availableBytes: big(m.MemAvailable ?? 0),
        buffersBytes: big(m.Buffers ?? 0),
        cachedBytes: big(m.Cached ?? 0),
        swapTotalBytes: big(m.SwapTotal ?? 0),
        swapFreeBytes: big(m.SwapFree ?? 0),
      };
    },
    async loadAvg() {
      return parseLoadavg(await host.readText("/proc/loadavg"));
    },
    async processes(_req, call) {
      const privileged = callerMaySeeSecrets(call);
      const pids = (await host.readDir("/proc")).filter((n) => /^\d+$/.test(n)).slice(0, maxProcesses);
      const processes = [];
      for (const pid of pids) {
        // A process may exit between the listing and the read: skip it.
        const stat = await host.readText(`/proc/${pid}/stat`, 4096).catch(() => undefined);
        if (!stat) continue;
        const p = parseProcStat(stat, host.pageSize, host.clockTicks);
        const cmdline = await host.readText(`/proc/${pid}/cmdline`, maxArgsBytes).catch(() => "");
        const args = cmdline.split("\0").filter(Boolean).join(" ");
        processes.push({
          ...p,
          // Command lines carry tokens and passwords: readers see the program only.
          args: privileged ? args : redactArgs(args),
          cpuTimeMs: big(p.cpuTimeMs),
          rssBytes: big(p.rssBytes),
          virtualBytes: big(p.virtualBytes),
        });
      }
      return { processes };
    },
    async mounts() {
      const mounts = parseMountinfo(await host.readText("/proc/self/mountinfo"));
      const out = [];
      for (const m of mounts) {
        const s = await host.statfs(m.target).catch(() => ({ sizeBytes: 0, availableBytes: 0 }));
        out.push({ ...m, sizeBytes: big(s.sizeBytes), availableBytes: big(s.availableBytes) });
      }
      return { mounts: out };
    },
    async disks() {
      const names = (await host.readDir("/sys/block")).filter((n) => !/^(ram|zram)\d+/.test(n));
      const read = (n: string, f: string) =>
        host
          .readText(`/sys/block/${n}/${f}`)
          .then((s) => s.trim())
          .catch(() => "");
      const disks = [];
      for (const name of names.sort()) {
        const sectors = Number((await read(name, "size")) || 0);
        const uevent = await read(name, "uevent");
        disks.push({
          name,
          sizeBytes: big(sectors * 512),
          model: await read(name, "device/model"),
          serial: (await read(name, "device/serial")) || (await read(name, "serial")),
          rotational: (await read(name, "queue/rotational")) === "1",
          readOnly: (await read(name, "ro")) === "1",
          type: /^loop/.test(name)
            ? "loop"
            : /^dm-/.test(name)
              ? "dm"
              : (/DEVTYPE=(\w+)/.exec(uevent)?.[1] ?? "disk"),
        });
      }
      return { disks };
    },
    async time() {
      const uptime = Number((await host.readText("/proc/uptime")).split(" ")[0]);
      const now = new Date();
      return {
        now: timestampFromDate(now),
        bootTime: timestampFromDate(new Date(now.getTime() - uptime * 1000)),
        uptimeSeconds: uptime,
        timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      };
    },
  };
}
