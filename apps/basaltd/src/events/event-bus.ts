import { AsyncQueue } from "./async-queue.ts";

export interface NodeEvent {
  id: number;
  time: Date;
  kind: "service" | "config" | "power" | "api" | "daemon" | "upgrade" | "image" | "kubernetes";
  subject: string;
  message: string;
}

/**
 * What basaltd did, kept as a bounded history and fanned out to followers. Publishing never blocks
 * on a slow subscriber.
 */
export class EventBus {
  #history: NodeEvent[] = [];
  #nextId = 1;
  #subscribers = new Set<AsyncQueue<NodeEvent>>();
  readonly #keep: number;

  constructor(keep = 1000) {
    this.#keep = keep;
  }

  publish(kind: NodeEvent["kind"], subject: string, message: string): NodeEvent {
    const event: NodeEvent = { id: this.#nextId++, time: new Date(), kind, subject, message };
    this.#history.push(event);
    if (this.#history.length > this.#keep) this.#history.shift();
    for (const s of this.#subscribers) s.push(event);
    return event;
  }

  /** The last `tail` events (all kept when 0). */
  history(tail = 0): NodeEvent[] {
    return tail > 0 ? this.#history.slice(-tail) : [...this.#history];
  }

  /** History then, if `follow`, every new event until the consumer stops. */
  async *stream(options: { tail: number; follow: boolean; signal?: AbortSignal }): AsyncGenerator<NodeEvent> {
    const queue = new AsyncQueue<NodeEvent>({ onClose: () => this.#subscribers.delete(queue) });
    if (options.follow) this.#subscribers.add(queue);
    const backlog = this.history(options.tail);
    yield* backlog;
    if (!options.follow) return;
    options.signal?.addEventListener("abort", () => queue.end(), { once: true });
    try {
      yield* queue;
    } finally {
      queue.end();
    }
  }
}
