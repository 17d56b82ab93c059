import type { Kube } from "@basalt/kube";
import { toBasaltError } from "@basalt/machinery";
import type { EventRef, EventSink, Logger } from "../reconcile/telemetry.ts";

/**
 * Kubernetes Events (core/v1) for Nodes and UpgradePlans, so `kubectl describe node X` shows why it
 * is being drained or why its upgrade failed. Sent in the background through a bounded queue (an
 * apiserver under load loses Events, never reconciler time), and the same message about the same
 * object is sent at most once per `dedupeMs`.
 */
export interface EventRecorderOptions {
  kube: Kube;
  /** Where Events go: for cluster-scoped objects the apiserver accepts only "default". */
  namespace?: string;
  component?: string;
  host?: string;
  dedupeMs?: number;
  maxQueue?: number;
  now?: () => number;
  log?: Logger;
}

interface Queued {
  ref: EventRef;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  at: number;
}

export class EventRecorder implements EventSink {
  readonly #o: EventRecorderOptions;
  readonly #sent = new Map<string, number>();
  readonly #queue: Queued[] = [];
  #draining = false;
  dropped = 0;

  constructor(options: EventRecorderOptions) {
    this.#o = options;
  }

  emit(ref: EventRef, type: "Normal" | "Warning", reason: string, message: string): void {
    const now = (this.#o.now ?? Date.now)();
    const key = `${ref.kind}/${ref.name}/${reason}/${message}`;
    const last = this.#sent.get(key);
    if (last !== undefined && now - last < (this.#o.dedupeMs ?? 600_000)) return;
    this.#sent.set(key, now);
    if (this.#sent.size > 10_000) {
      for (const [k, t] of this.#sent) if (now - t > (this.#o.dedupeMs ?? 600_000)) this.#sent.delete(k);
    }
    if (this.#queue.length >= (this.#o.maxQueue ?? 500)) {
      this.dropped++;
      return;
    }
    this.#queue.push({ ref, type, reason, message: message.slice(0, 1000), at: now });
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const e = this.#queue.shift()!;
        try {
          await this.#send(e);
        } catch (err) {
          this.#o.log?.warn({ err: toBasaltError(err).message, reason: e.reason }, "event not recorded");
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  #send(e: Queued): Promise<unknown> {
    const namespace = this.#o.namespace ?? "default";
    const time = new Date(e.at).toISOString();
    const involvedObject: Record<string, string> = {
      kind: e.ref.kind,
      name: e.ref.name,
      apiVersion: e.ref.apiVersion,
    };
    if (e.ref.uid) involvedObject.uid = e.ref.uid;
    return this.#o.kube.request({
      method: "POST",
      path: `/api/v1/namespaces/${namespace}/events`,
      body: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: `${e.ref.name}.`, namespace },
        involvedObject,
        type: e.type,
        reason: e.reason,
        message: e.message,
        source: { component: this.#o.component ?? "basalt-controller", host: this.#o.host },
        reportingComponent: this.#o.component ?? "basalt-controller",
        reportingInstance: this.#o.host ?? "",
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      },
    });
  }
}
