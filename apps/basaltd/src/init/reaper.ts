/**
 * Orphan reaping. As PID 1, basaltd inherits every orphaned process and must wait() for it, or
 * zombies pile up. Node's own children are reaped by libuv, and reaping one of those behind its back
 * would lose its exit status, so only zombies that are not our spawned children and were already
 * zombies at the previous scan are reaped.
 */
export function orphansToReap(
  zombies: readonly number[],
  ownChildren: ReadonlySet<number>,
  zombiesAtLastScan: ReadonlySet<number>,
): number[] {
  return zombies.filter((pid) => !ownChildren.has(pid) && zombiesAtLastScan.has(pid));
}

/** The pid of a /proc/<pid>/stat line if it is a zombie child of PID 1. */
export function zombieChildOfInit(stat: string): number | undefined {
  const close = stat.lastIndexOf(")");
  const [state, ppid] = stat.slice(close + 2).split(" ");
  return state === "Z" && ppid === "1" ? Number(stat.slice(0, stat.indexOf(" "))) : undefined;
}
