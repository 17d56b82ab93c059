/**
 * Restart delay after a crash: doubles from `initialMs` up to `maxMs`. A run that lasted at least
 * `stableMs` resets the count, so a service that crashes once a day restarts at once, while one
 * that crash-loops settles at one attempt every `maxMs`.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  stableMs: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 500, maxMs: 30_000, stableMs: 10_000 };

export function restartDelay(consecutiveCrashes: number, policy: BackoffPolicy = defaultBackoff): number {
  if (consecutiveCrashes <= 0) return 0;
  return Math.min(policy.maxMs, policy.initialMs * 2 ** (consecutiveCrashes - 1));
}

/** The crash count after a run of `ranMs`: reset if the run was stable, otherwise one more. */
export function crashesAfterRun(
  previous: number,
  ranMs: number,
  policy: BackoffPolicy = defaultBackoff,
): number {
  return ranMs >= policy.stableMs ? 1 : previous + 1;
}

/** Whether an exit should be followed by a restart under the service's policy. */
export function shouldRestart(
  policy: "always" | "on-failure" | "never",
  exit: { code: number | null; signal: string | null },
): { restart: boolean; reason: string } {
  const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
  if (policy === "never") return { restart: false, reason: `${how}; restart policy is never` };
  if (policy === "on-failure" && exit.code === 0)
    return { restart: false, reason: `${how}; restart policy is on-failure` };
  return { restart: true, reason: `${how}; restarting (policy ${policy})` };
}
