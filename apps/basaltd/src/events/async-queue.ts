/**
 * A push-to-pull bridge: producers push values, one consumer iterates them. Used for every
 * follow-mode stream (events, logs, dmesg). The consumer leaving (break/return) runs `onClose`, so
 * a disconnected client never leaves a watcher behind.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiting: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | undefined;
  #closed = false;
  #failure: unknown;
  #onClose: (() => void) | undefined;
  readonly #limit: number;

  constructor(options: { limit?: number; onClose?: () => void } = {}) {
    this.#limit = options.limit ?? 10_000;
    this.#onClose = options.onClose;
  }

  push(item: T): void {
    if (this.#closed) return;
    if (this.#waiting) {
      const w = this.#waiting;
      this.#waiting = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    // A consumer that cannot keep up loses the oldest items rather than growing memory unbounded.
    if (this.#items.length >= this.#limit) this.#items.shift();
    this.#items.push(item);
  }

  end(failure?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = failure;
    if (this.#waiting && this.#items.length === 0) {
      const w = this.#waiting;
      this.#waiting = undefined;
      // A consumer already waiting gets the failure now, not a quiet end of the stream.
      if (failure !== undefined) {
        this.#failure = undefined;
        w.reject(failure);
      } else {
        w.resolve({ value: undefined, done: true });
      }
    }
    this.#runOnClose();
  }

  #runOnClose(): void {
    const f = this.#onClose;
    this.#onClose = undefined;
    f?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.#items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.#closed) {
          if (this.#failure !== undefined) {
            const f = this.#failure;
            this.#failure = undefined;
            return Promise.reject(f);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.#waiting = { resolve, reject };
        });
      },
      return: () => {
        this.#items = [];
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
