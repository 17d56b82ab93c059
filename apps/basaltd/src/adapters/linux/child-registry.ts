import type { ChildProcess } from "node:child_process";

const live = new Set<number>();

/**
 * The pids of children Node spawned and libuv will reap. The PID 1 orphan reaper leaves these alone
 * (see init/reaper.ts). Module-level because every spawn in the adapters must register here.
 */
export function trackChild(child: ChildProcess): void {
  const pid = child.pid;
  if (!pid) return;
  live.add(pid);
  child.once("exit", () => live.delete(pid));
}

export function ownChildren(): ReadonlySet<number> {
  return live;
}
