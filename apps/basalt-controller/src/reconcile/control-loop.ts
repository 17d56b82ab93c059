import { setTimeout as sleep } from "node:timers/promises";

/**
 * Runs reconciliation passes one after another: soon after the cache changes (a short debounce
 * gathers a burst of watch events into one pass), and at least every `resyncMs` even when nothing
 * changes, because timeouts, soak times and windows move with the clock alone. Passes never overlap,
 * so a pass always plans on top of the previous pass's writes.
 */
export interface ControlLoopOptions {
  pass(): Promise<void>;
  debounceMs?: number;
  resyncMs?: number;
  onError?(err: unknown): void;
}

export class ControlLoop {
  readonly #o: ControlLoopOptions;
  #dirty = true;
  #wake: (() => void) | undefined;
  passes = 0;

  constructor(options: ControlLoopOptions) {
    this.#o = options;
  }

  /** Asks for a pass soon (called on every cache change). */
  trigger(): void {
    this.#dirty = true;
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Runs passes until `signal` aborts (or `until()` turns true, checked between passes). */
  async run(signal: AbortSignal, until: () => boolean = () => false): Promise<void> {
    const resync = this.#o.resyncMs ?? 1000;
    while (!signal.aborted && !until()) {
      if (!this.#dirty) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, resync);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
          signal.addEventListener("abort", () => this.#wake?.(), { once: true });
        });
        if (signal.aborted) break;
        await sleep(this.#o.debounceMs ?? 50);
      }
      this.#dirty = false;
      try {
        await this.#o.pass();
      } catch (err) {
        this.#o.onError?.(err);
      }
      this.passes++;
    }
  }
}
