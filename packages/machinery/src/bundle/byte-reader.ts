import { BasaltError } from "../errors.ts";

/**
 * Pulls exact byte counts out of a stream of chunks of any size, without copying the bulk data:
 * `read(n)` for small headers, `take(n)` to pass large bodies through chunk by chunk.
 */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #pending: Uint8Array = new Uint8Array(0);
  #done = false;
  /** Bytes consumed so far, for progress and error messages. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    if (this.#done) return false;
    const next = await this.#source.next();
    if (next.done) {
      this.#done = true;
      return false;
    }
    this.#pending = this.#pending.length ? concat(this.#pending, next.value) : next.value;
    return true;
  }

  /** Exactly `n` bytes, or a truncation error naming `what`. */
  async read(n: number, what: string): Promise<Uint8Array> {
    while (this.#pending.length < n) {
      if (!(await this.#fill())) {
        throw new BasaltError(
          "invalid_argument",
          `the bundle is truncated: ${what} ends after ${this.position + this.#pending.length} bytes`,
        );
      }
    }
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(n);
    this.position += n;
    return out;
  }

  /** Yields the next `n` bytes in the chunks they arrive in. */
  async *take(n: number, what: string): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.#pending.length === 0 && !(await this.#fill())) {
        throw new BasaltError(
          "invalid_argument",
          `the bundle is truncated: ${what} is missing ${left} of its ${n} bytes`,
        );
      }
      const piece = this.#pending.subarray(0, Math.min(left, this.#pending.length));
      this.#pending = this.#pending.subarray(piece.length);
      this.position += piece.length;
      left -= piece.length;
      yield piece;
    }
  }

  /** True when nothing but zero padding (or nothing) is left. */
  async atEnd(): Promise<boolean> {
    while (this.#pending.length === 0) if (!(await this.#fill())) return true;
    return false;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
