import { BasaltError } from "@basalt/machinery";
import type { ContextValues } from "@connectrpc/connect";
import type { AuditStore } from "../adapters/linux/audit-store.ts";
import { AsyncQueue } from "../events/async-queue.ts";
import type { ApiMetrics } from "./api-metrics.ts";
import { type AuditCall, auditCallKey } from "./audit-call.ts";
import { type AuditQuery, matches, parseRecord } from "./audit-filter.ts";
import { type AuditRecord, bound, reasonText } from "./audit-record.ts";

/** The part of a handler's call context the audit hooks need. */
export interface CallLike {
  contextValues: ContextValues;
}

/**
 * The node's audit trail: one record per call that reached authorization, written to STATE
 * through the store and handed to `basaltctl audit -f` followers.
 *
 * Handlers do not write the call's own record (the API gate does, once, when the call ends, with
 * the code the caller saw). Two hooks exist for handlers:
 * - `ctx.audit.target(call, text)`: say precisely what the call is about (e.g. the resolved path);
 * - `ctx.audit.refused(call, code, reason)`: the call is refused but the caller is told something
 *   more generic (a denied path answered exactly like a missing one): the record keeps the real
 *   code and reason, and notes what the caller was told;
 * - `ctx.audit.refusedInStream(call, target, error)`: a stream that refuses one thing but goes on
 *   (e.g. a follow stream skipping a denied file) records that refusal as its own record, marked
 *   `inStream`. A refusal that ends the stream needs no hook: throwing it is enough.
 */
export class AuditTrail {
  readonly #store: AuditStore;
  readonly #metrics: ApiMetrics;
  readonly #followers = new Set<AsyncQueue<AuditRecord>>();
  readonly #maxFollowers: number;

  constructor(store: AuditStore, metrics: ApiMetrics, options: { maxFollowers?: number } = {}) {
    this.#store = store;
    this.#metrics = metrics;
    this.#maxFollowers = options.maxFollowers ?? 32;
  }

  get stats(): AuditStore["stats"] {
    return this.#store.stats;
  }

  /** Writes one record and hands it to followers. */
  write(record: AuditRecord): void {
    const droppedBefore = this.#store.stats.dropped;
    this.#store.append(`${JSON.stringify(record)}\n`);
    const dropped = this.#store.stats.dropped - droppedBefore;
    if (dropped > 0) this.#metrics.auditDropped.inc(dropped);
    this.#metrics.calls.inc({ result: record.result });
    for (const f of this.#followers) f.push(record);
  }

  /** Refines the target of the running call's record (bounded). */
  target(call: CallLike, text: string): void {
    const c = call.contextValues.get(auditCallKey);
    if (c) c.record.target = bound(text, 256);
  }

  /** Marks the running call as refused with `code` whatever the caller is told; see the class comment. */
  refused(call: CallLike, code: string, reason: string): void {
    const c = call.contextValues.get(auditCallKey);
    if (c) c.refusal = { result: code, reason: reasonText(reason) };
  }

  /** Records a refusal inside a stream that goes on; see the class comment. */
  refusedInStream(call: CallLike, target: string, error: BasaltError): void {
    const c: AuditCall | undefined = call.contextValues.get(auditCallKey);
    if (!c) return;
    this.#metrics.refused(`in_stream_${error.code}`);
    this.write({
      ...c.record,
      time: new Date().toISOString(),
      target: bound(target, 256),
      result: error.code,
      reason: reasonText(error.message),
      durationMs: 0,
      inStream: true,
    });
  }

  /**
   * The last `tail` records matching the query, then (follow) new ones as they are written.
   * Reads the stored files front to back keeping only a ring of `tail` records: memory is bounded
   * by `tail`, time by the rotation budget (keep × maxBytes).
   */
  async *query(
    q: AuditQuery & { tail: number; follow: boolean; signal?: AbortSignal },
  ): AsyncGenerator<AuditRecord> {
    let queue: AsyncQueue<AuditRecord> | undefined;
    if (q.follow) {
      if (this.#followers.size >= this.#maxFollowers) {
        throw new BasaltError("resource_exhausted", `${this.#maxFollowers} audit followers already`, {
          hint: "stop another `basaltctl audit -f` first",
        });
      }
      queue = new AsyncQueue<AuditRecord>({ limit: 1000, onClose: () => this.#followers.delete(queue!) });
      this.#followers.add(queue);
      q.signal?.addEventListener("abort", () => queue?.end(), { once: true });
    }
    try {
      const ring: AuditRecord[] = [];
      for await (const line of this.#store.lines(q.sinceMs)) {
        if (q.signal?.aborted) return;
        const r = parseRecord(line);
        if (!r || !matches(r, q)) continue;
        ring.push(r);
        if (ring.length > q.tail) ring.shift();
      }
      const lastTime = ring.at(-1)?.time ?? "";
      yield* ring;
      if (!queue) return;
      for await (const r of queue) {
        // Records written while the files were read may arrive twice: skip those not newer.
        if (r.time < lastTime) continue;
        if (matches(r, q)) yield r;
      }
    } finally {
      queue?.end();
    }
  }
}
