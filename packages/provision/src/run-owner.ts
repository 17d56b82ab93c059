import { readFile } from "node:fs/promises";

/**
 * Who owns a run: a pid and that process's start time (field 22 of /proc/PID/stat, in clock ticks
 * since boot). The pair survives pid reuse: a new process with the same pid has another start time.
 */
export interface RunOwner {
  pid: number;
  startTicks: string;
}

/** Field 22 of a /proc/PID/stat line (the command name in parentheses may itself hold spaces). */
export function startTicksFromStat(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields after the name start at field 3 (state): field 22 is index 19.
  return fields[19];
}

export async function ownerOf(pid: number): Promise<RunOwner | undefined> {
  try {
    const ticks = startTicksFromStat(await readFile(`/proc/${pid}/stat`, "utf8"));
    return ticks ? { pid, startTicks: ticks } : undefined;
  } catch {
    return undefined;
  }
}

/** This process as a run owner. */
export async function currentOwner(): Promise<RunOwner> {
  const me = await ownerOf(process.pid);
  return me ?? { pid: process.pid, startTicks: "unknown" };
}

/** Whether the process that owned a run still runs (same pid and same start time). */
export async function ownerAlive(owner: RunOwner): Promise<boolean> {
  const now = await ownerOf(owner.pid);
  return now !== undefined && (owner.startTicks === "unknown" || now.startTicks === owner.startTicks);
}
