import { setTimeout as sleep } from "node:timers/promises";
import { BasaltError } from "@basalt/machinery";

/** How `waitFor` polls. */
export interface WaitForOptions {
  /** Pause between attempts (ms); default 100. */
  intervalMs?: number;
  /** Stops waiting early (e.g. a test's or a component's signal). */
  signal?: AbortSignal;
}

/**
 * Polls `predicate` until it returns a value other than `undefined`, `null` or `false`, and returns
 * that value. Errors thrown by the predicate count as "not yet" (the API server may be restarting),
 * and the last one is kept as the cause of the timeout, so a failing wait says what it saw.
 *
 * @param timeoutMs how long to keep trying before throwing `deadline_exceeded`
 * @param what what is awaited, in words, for the error message ("3 nodes Ready"); a function is
 *   called only when the wait times out, so it can report the last state seen
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  timeoutMs: number,
  what: string | (() => string),
  options: WaitForOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const interval = options.intervalMs ?? 100;
  const started = performance.now();
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    attempts++;
    try {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false)
        return value as Exclude<T, undefined | null | false>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const elapsed = performance.now() - started;
    if (elapsed >= timeoutMs) {
      const detail =
        lastError === undefined ? "" : `; last error: ${(lastError as Error).message ?? String(lastError)}`;
      throw new BasaltError(
        "deadline_exceeded",
        `timed out after ${Math.round(elapsed)} ms (${attempts} attempts) waiting for ${typeof what === "function" ? what() : what}${detail}`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    try {
      await sleep(Math.min(interval, Math.max(0, timeoutMs - elapsed)), undefined, {
        signal: options.signal,
      });
    } catch (err) {
      throw options.signal?.aborted ? options.signal.reason : err;
    }
  }
}
