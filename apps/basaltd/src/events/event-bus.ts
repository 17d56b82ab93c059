import { BasaltError } from "@basalt/machinery";
import { AsyncQueue } from "./async-queue.ts";

export interface NodeEvent {
  id: number;
  time: Date;
  kind: "service" | "config" | "power" | "api" | "daemon" | "upgrade" | "storage" | "image" | "kubernetes";
  subject: string;
  message: string;
  /** The message as readers see it, when `message` may hold a secret (argv, URL query). */
  forReaders?: string;
}

/** The message a caller may see: readers get the redacted form when there is one. */
export function eventMessage(e: NodeEvent, privileged: boolean): string {
  return privileged ? e.message : (e.forReaders ?? e.message);
}

/**
 * What basaltd did, kept as a bounded history and fanned out to followers. Publishing never blocks
 * on a slow subscriber, and the number of followers is capped: each costs a queue.
 */
export class EventBus {
  #history: NodeEvent[] = [];
  #nextId = 1;
  #subscribers = new Set<AsyncQueue<NodeEvent>>();
  readonly #keep: number;
  readonly #maxFollowers: number;

  constructor(keep = 1000, options: { maxFollowers?: number } = {}) {
    this.#keep = keep;
    this.#maxFollowers = options.maxFollowers ?? 256;
  }

  publish(
    kind: NodeEvent["kind"],
    subject: string,
    message: string,
    options: { forReaders?: string } = {},
  ): NodeEvent {
    const event: NodeEvent = { id: this.#nextId++, time: new Date(), kind, subject, message };
    if (options.forReaders !== undefined && options.forReaders !== message)
      event.forReaders = options.forReaders;
    this.#history.push(event);
    if (this.#history.length > this.#keep) this.#history.shift();
    for (const s of this.#subscribers) s.push(event);
    return event;
  }

  /** How many streams follow the bus right now. */
  get followers(): number {
    return this.#subscribers.size;
  }

  /** The last `tail` events (all kept when 0). */
  history(tail = 0): NodeEvent[] {
    return tail > 0 ? this.#history.slice(-tail) : [...this.#history];
  }

  /**
   * History then, if `follow`, every new event until the consumer stops. The follower is registered
   * before the history is sent (no event falls in between) and removed in `finally`, so a consumer
   * that leaves at any point, even while the history is still being sent, leaves nothing behind.
   */
  async *stream(options: { tail: number; follow: boolean; signal?: AbortSignal }): AsyncGenerator<NodeEvent> {
    if (!options.follow) {
      yield* this.history(options.tail);
      return;
    }
    if (this.#subscribers.size >= this.#maxFollowers) {
      throw new BasaltError(
        "resource_exhausted",
        `${this.#subscribers.size} streams already follow the events of this node, the most it serves`,
        { hint: "close other `basaltctl events -f` and try again" },
      );
    }
    const queue = new AsyncQueue<NodeEvent>({ limit: 1000 });
    const onAbort = () => queue.end();
    this.#subscribers.add(queue);
    try {
      options.signal?.addEventListener("abort", onAbort, { once: true });
      yield* this.history(options.tail);
      yield* queue;
    } finally {
      this.#subscribers.delete(queue);
      options.signal?.removeEventListener("abort", onAbort);
      queue.end();
    }
  }
}
