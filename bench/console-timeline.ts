/**
 * A boot timeline from a VM's serial console: each console line stamped with the host time it
 * arrived (ms since qemu start), and the first line matching each mark of a boot.
 */
import type { Readable } from "node:stream";

/** One console line and when it arrived, in ms since `t0`. */
export interface StampedLine {
  ms: number;
  line: string;
}

/** Collects the lines of `streams` with their arrival time relative to `t0` (performance.now()). */
export function stampLines(t0: number, ...streams: (Readable | null | undefined)[]): StampedLine[] {
  const lines: StampedLine[] = [];
  for (const s of streams) {
    let partial = "";
    s?.on("data", (b: Buffer) => {
      const ms = performance.now() - t0;
      const parts = (partial + b.toString("latin1")).split(/\r?\n/);
      partial = parts.pop() ?? "";
      for (const p of parts) lines.push({ ms, line: p.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, "").trim() });
    });
  }
  return lines;
}

/** A named point of a boot: the first console line matching `pattern`. */
export interface Mark {
  name: string;
  pattern: RegExp;
}

/** Basalt's boot as its console shows it. */
export const basaltMarks: Mark[] = [
  { name: "firmware starts the loader", pattern: /BdsDxe: (loading|starting) Boot/ },
  { name: "initramfs /init runs", pattern: /basalt-initramfs: uptime/ },
  { name: "switch_root to basaltd", pattern: /switching to basaltd/ },
  { name: "basaltd's first phase done", pattern: /^basaltd: \[mounts\]/ },
  { name: "network phase done", pattern: /^basaltd: \[network\]/ },
  { name: "API listening", pattern: /node API listening/ },
];

/** Debian's boot as its console shows it (loglevel=4 hides most kernel lines; systemd prints its own). */
export const debianMarks: Mark[] = [
  { name: "firmware starts the loader", pattern: /BdsDxe: (loading|starting) Boot/ },
  { name: "systemd starts", pattern: /Welcome to .*Debian|systemd\[1\]|Started .*Journal/ },
  { name: "ssh started", pattern: /Started .*OpenBSD Secure Shell/ },
  { name: "login prompt", pattern: /login:/ },
];

/** The time each mark first showed (undefined when it never did), in order of `marks`. */
export function timeline(
  lines: readonly StampedLine[],
  marks: readonly Mark[],
): { name: string; ms?: number }[] {
  return marks.map((m) => ({ name: m.name, ms: lines.find((l) => m.pattern.test(l.line))?.ms }));
}

/** Rows of a timeline table: when, and the step from the previous mark that showed. */
export function timelineRows(
  points: readonly { name: string; ms?: number }[],
  end: { name: string; ms: number },
): Record<string, string>[] {
  let prev = 0;
  return [...points, end].map((p) => {
    if (p.ms === undefined) return { STEP: p.name, AT: "-", DELTA: "-" };
    const row = {
      STEP: p.name,
      AT: `${(p.ms / 1000).toFixed(2)} s`,
      DELTA: `+${((p.ms - prev) / 1000).toFixed(2)} s`,
    };
    prev = p.ms;
    return row;
  });
}
