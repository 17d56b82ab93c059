/** What a process costs, read the same way by every bench: /proc for a running one, time(1) for a run. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** CPU seconds (user + system) process `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Resident set size of process `pid`, in MB. */
export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
}

/** Wall and CPU seconds of one run of `argv`, which must exit 0. */
export function measureRun(argv: string[], env: Record<string, string> = {}): { wall: number; cpu: number } {
  const started = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %U %S", ...argv], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr}`);
  // Wall from this clock (time's %e has 10 ms steps, as coarse as what is measured); CPU from time.
  const wall = (performance.now() - started) / 1000;
  const [, user, sys] = /TIME (\S+) (\S+)\s*$/.exec(r.stderr)!.map(Number);
  return { wall, cpu: user! + sys! };
}
