import { setTimeout as sleep } from "node:timers/promises";
import { BasaltError } from "@basalt/machinery";

/** Where the Lease is, who we are, and the timing (client-go's names and defaults). */
export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** Unique per candidate (e.g. pod name + random suffix): two candidates with one identity both lead. */
  identity: string;
  /** How long others wait, after last seeing the Lease change, before taking it over. Default 15. */
  leaseDurationSeconds?: number;
  /** How long a leader keeps trying to renew before it gives up leading. Default 10. */
  renewDeadlineSeconds?: number;
  /** Pause between attempts, for leader and candidates. Default 2. */
  retryPeriodSeconds?: number;
  /** Hand the Lease over (empty holder) when `run`'s signal aborts while leading. Default true. */
  releaseOnCancel?: boolean;
}

/** As client-go: candidates retry every retryPeriod × [1, 1.2). */
export const jitterFactor = 1.2;

/**
 * The timing with defaults applied, refused when it could let two leaders act at once: a deposed
 * leader stops by its renew deadline, which must come before anyone else may take over (the lease
 * duration), and leave room for at least one retry.
 */
export function resolveTiming(options: LeaderElectionOptions): {
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
} {
  const lease = options.leaseDurationSeconds ?? 15;
  const renew = options.renewDeadlineSeconds ?? 10;
  const retry = options.retryPeriodSeconds ?? 2;
  const refuse = (message: string) => new BasaltError("invalid_argument", message);
  if (!options.identity) throw refuse("leader election needs a non-empty identity");
  if (!Number.isInteger(lease) || lease < 1)
    throw refuse(`leaseDurationSeconds must be a whole number ≥ 1 (a Lease field), not ${lease}`);
  if (!(lease > renew))
    throw refuse(`leaseDurationSeconds (${lease}) must exceed renewDeadlineSeconds (${renew})`);
  if (!(retry > 0 && renew > jitterFactor * retry))
    throw refuse(
      `renewDeadlineSeconds (${renew}) must exceed ${jitterFactor} × retryPeriodSeconds (${retry})`,
    );
  return { leaseDurationSeconds: lease, renewDeadlineSeconds: renew, retryPeriodSeconds: retry };
}

/** A signal that fires after `ms` (AbortSignal.timeout wants a positive integer). */
export function deadline(ms: number): AbortSignal {
  return AbortSignal.timeout(Math.max(1, Math.ceil(ms)));
}

/** Sleeps `ms`; false (instead of throwing) if `signal` aborts first. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
