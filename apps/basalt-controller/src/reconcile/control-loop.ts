import { setTimeout as sleep } from "node:timers/promises";

/**
 * Runs reconciliation passes one after another: soon after the cache changes (a short debounce
 * gathers a burst of watch events into one pass), and when the last pass said the clock alone will
 * change the answer (a window opens, a soak or a timeout ends, an agent status is due): each pass
 * returns that instant. Nothing else wakes it, except `maxIdleMs` as a safety net. Passes never
 * overlap, so a pass always plans on top of the previous pass's writes.
 */
export interface ControlLoopOptions {
  /** One pass; resolves with when the next one is due though nothing changes (ms since the epoch), if ever. */
  pass(): Promise<number | undefined>;
  debounceMs?: number;
  /** The longest sleep even when nothing is due. Default 5 minutes. */
  maxIdleMs?: number;
  now?(): number;
  onError?(err: unknown): void;
}

export class ControlLoop {
  readonly #o: ControlLoopOptions;
  #dirty = true;
  #wake: (() => void) | undefined;
  passes = 0;
  /** When the next pass is due though nothing changes, as the last pass said. */
  due: number | undefined;

  constructor(options: ControlLoopOptions) {
    this.#o = options;
  }

  /** Asks for a pass soon (called on every cache change). */
  trigger(): void {
    this.#dirty = true;
    this.#wake?.();
  }

  /** Runs passes until `signal` aborts (or `until()` turns true, checked between passes). */
  async run(signal: AbortSignal, until: () => boolean = () => false): Promise<void> {
    const now = this.#o.now ?? Date.now;
    const maxIdle = this.#o.maxIdleMs ?? 300_000;
    // One abort listener for the whole run, not one per sleep.
    const onAbort = () => this.#wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted && !until()) {
        if (!this.#dirty) {
          const wait = this.due === undefined ? maxIdle : Math.min(maxIdle, Math.max(0, this.due - now()));
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, wait);
            function done() {
              clearTimeout(timer);
              resolve();
            }
            this.#wake = done;
          });
          this.#wake = undefined;
          if (signal.aborted) break;
          if (this.#dirty) await sleep(this.#o.debounceMs ?? 50);
        }
        this.#dirty = false;
        try {
          this.due = await this.#o.pass();
        } catch (err) {
          this.due = undefined;
          this.#o.onError?.(err);
        }
        this.passes++;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}
