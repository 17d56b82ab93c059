/** One line the sampler lets through to the daemon log. */
export interface SampledLine {
  msg: string;
  fields: Record<string, unknown>;
}

export interface SamplerOptions {
  /** Failures logged per source address per minute before the rest are only counted. */
  perAddressPerMinute: number;
  /** Sample lines per minute across all addresses (one summary line comes on top). */
  linesPerMinute: number;
  /** Addresses tracked per minute; the rest are counted together as "other". */
  maxAddresses: number;
}

export const defaultSamplerOptions: SamplerOptions = {
  perAddressPerMinute: 5,
  linesPerMinute: 30,
  maxAddresses: 1024,
};

const windowMs = 60_000;

/**
 * Counts failures that happen before a client is authenticated (no certificate, an untrusted or
 * expired one, a broken handshake, malformed HTTP/2) and lets only a few through per source address
 * and minute, then one summary line per minute. Whoever floods the port without a certificate
 * therefore writes at most `linesPerMinute + 1` lines a minute to the daemon log and nothing to the
 * audit trail. Pure: the clock and the output are injected.
 */
export class PreauthSampler {
  readonly #options: SamplerOptions;
  readonly #emit: (line: SampledLine) => void;
  readonly #now: () => number;
  #windowStart: number;
  #perAddress = new Map<string, number>();
  #lines = 0;
  #suppressed = 0;
  #suppressedReasons = new Map<string, number>();
  /** Every failure since start, by reason (for the metrics page). */
  readonly totals = new Map<string, number>();

  constructor(emit: (line: SampledLine) => void, options: Partial<SamplerOptions> = {}, now = Date.now) {
    this.#options = { ...defaultSamplerOptions, ...options };
    this.#emit = emit;
    this.#now = now;
    this.#windowStart = now();
  }

  failure(address: string, reason: string): void {
    this.totals.set(reason, (this.totals.get(reason) ?? 0) + 1);
    this.tick();
    const key =
      this.#perAddress.has(address) || this.#perAddress.size < this.#options.maxAddresses ? address : "other";
    const seen = (this.#perAddress.get(key) ?? 0) + 1;
    this.#perAddress.set(key, seen);
    if (seen <= this.#options.perAddressPerMinute && this.#lines < this.#options.linesPerMinute) {
      this.#lines++;
      this.#emit({ msg: "connection refused before authentication", fields: { address, reason } });
      return;
    }
    this.#suppressed++;
    this.#suppressedReasons.set(reason, (this.#suppressedReasons.get(reason) ?? 0) + 1);
  }

  /** Closes the minute if it is over: one summary line for what was only counted. */
  tick(): void {
    const now = this.#now();
    if (now - this.#windowStart < windowMs) return;
    if (this.#suppressed > 0) {
      const top = [...this.#perAddress.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([address, count]) => ({ address, count }));
      this.#emit({
        msg: "connections refused before authentication (not logged one by one)",
        fields: {
          suppressed: this.#suppressed,
          addresses: this.#perAddress.size,
          top,
          reasons: Object.fromEntries(this.#suppressedReasons),
          seconds: Math.round((now - this.#windowStart) / 1000),
        },
      });
    }
    this.#windowStart = now;
    this.#perAddress = new Map();
    this.#lines = 0;
    this.#suppressed = 0;
    this.#suppressedReasons = new Map();
  }
}
