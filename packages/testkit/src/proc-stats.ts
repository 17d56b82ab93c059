import { readFileSync } from "node:fs";

/**
 * Resident and peak memory of a process from /proc/<pid>/status (Linux), in bytes. Used to report
 * what a control plane costs, e.g. the apiserver's RSS with 1000 Nodes.
 */
export function processMemory(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rssBytes: kb("VmRSS"), peakRssBytes: kb("VmHWM") };
}

/** Bytes as MiB with one decimal, for tables. */
export function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
