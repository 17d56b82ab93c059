import { BasaltError } from "@basalt/machinery";

/** The result of asking for a slot: a release function, or why not. */
export type Grant = { ok: true; release: () => void } | { ok: false; reason: string };

/**
 * Counts what clients hold (connections, calls, follow streams, file reads) in total and per
 * client certificate. Admins may hold four times the per-peer share, and the last `adminReserve`
 * slots of the total are theirs alone, so a reader (or many readers) at the limit never locks an
 * admin out. Pure and synchronous: callers release in `finally`, exactly once (the release
 * function ignores a second call).
 */
export class Limiter {
  readonly kind: string;
  readonly #total: number;
  readonly #perPeer: number;
  readonly #adminReserve: number;
  readonly #byPeer = new Map<string, number>();
  #used = 0;

  constructor(kind: string, options: { total: number; perPeer: number; adminReserve: number }) {
    this.kind = kind;
    this.#total = options.total;
    this.#perPeer = options.perPeer;
    this.#adminReserve = Math.min(options.adminReserve, Math.floor(options.total / 2));
  }

  get used(): number {
    return this.#used;
  }

  acquire(peer: string, admin: boolean): Grant {
    const held = this.#byPeer.get(peer) ?? 0;
    const perPeer = admin ? this.#perPeer * 4 : this.#perPeer;
    if (held >= perPeer) return { ok: false, reason: `${this.kind}: this client already holds ${held}` };
    const cap = admin ? this.#total : this.#total - this.#adminReserve;
    if (this.#used >= cap)
      return { ok: false, reason: `${this.kind}: the node is at its limit (${this.#used})` };
    this.#used++;
    this.#byPeer.set(peer, held + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#used--;
        const n = (this.#byPeer.get(peer) ?? 1) - 1;
        if (n <= 0) this.#byPeer.delete(peer);
        else this.#byPeer.set(peer, n);
      },
    };
  }

  /** acquire, or a resource_exhausted error saying which limit and what to do. */
  take(peer: string, admin: boolean): () => void {
    const g = this.acquire(peer, admin);
    if (!g.ok) {
      throw new BasaltError("resource_exhausted", `too many ${g.reason}`, {
        hint: "wait for your other calls to finish, or close idle streams, then retry",
      });
    }
    return g.release;
  }
}
