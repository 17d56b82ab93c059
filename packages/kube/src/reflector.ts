import { setTimeout as sleep } from "node:timers/promises";
import { hasStatus } from "./api-errors.ts";
import type { Kube, WatchEventType } from "./kube-client.ts";
import { listPages } from "./list.ts";

/**
 * A list-then-watch cache of one kind of object (an informer): one paginated LIST, then one long WATCH
 * from its resourceVersion, re-listing only when the server says the version is too old (410). Objects
 * are trimmed by `transform` on the way in, so the cache holds just what the controller reads: that is
 * most of what keeps the controller small at thousands of nodes and pods.
 *
 * Our own writes go in through {@link Reflector.observe} (the object the apiserver returned), so the
 * next planning pass sees them even before the watch delivers them: a pass that saw a stale node could
 * otherwise start a second node in place of one it had just cordoned.
 */
export interface Cached {
  key: string;
  resourceVersion: string;
}

export interface ReflectorOptions<T extends Cached> {
  kube: Kube;
  /** Collection path, e.g. /api/v1/nodes. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Trims a raw object; undefined drops it (as if deleted). */
  transform(raw: unknown): T | undefined;
  /** Called for every change, after the cache is updated. */
  onChange?(key: string, object: T | undefined): void;
  onError?(err: unknown): void;
  pageSize?: number;
}

/** Whether resourceVersion `a` is older than `b` (they are etcd revisions in practice). */
function older(a: string, b: string): boolean {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) < BigInt(b);
  return a !== b;
}

export class Reflector<T extends Cached> {
  readonly items = new Map<string, T>();
  readonly #o: ReflectorOptions<T>;
  #version = "";
  #synced = false;
  #onSynced: (() => void)[] = [];
  /** LIST calls made (the first and every relist). */
  lists = 0;

  constructor(options: ReflectorOptions<T>) {
    this.#o = options;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Resolves once the first LIST is in the cache. */
  whenSynced(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#onSynced.push(resolve));
  }

  /** Puts an object we just wrote (or read) into the cache, unless the cache already has a newer one. */
  observe(raw: unknown): void {
    const obj = this.#o.transform(raw);
    if (!obj) return;
    const have = this.items.get(obj.key);
    if (have && !older(have.resourceVersion, obj.resourceVersion)) return;
    this.items.set(obj.key, obj);
    this.#o.onChange?.(obj.key, obj);
  }

  /** Lists and watches until `signal` aborts, recovering from every error with a backoff. */
  async run(signal: AbortSignal): Promise<void> {
    let delay = 250;
    while (!signal.aborted) {
      try {
        if (this.#version === "") await this.#list();
        await this.#watch(signal);
        delay = 250;
      } catch (err) {
        if (signal.aborted) break;
        if (hasStatus(err, 410)) this.#version = "";
        else {
          this.#o.onError?.(err);
          await sleep(delay, undefined, { signal }).catch(() => {});
          delay = Math.min(delay * 2, 10_000);
        }
      }
    }
  }

  async #list(): Promise<void> {
    const seen = new Set<string>();
    this.lists++;
    const query = {
      path: this.#o.path,
      labelSelector: this.#o.labelSelector,
      fieldSelector: this.#o.fieldSelector,
      timeoutMs: 60_000,
      ...(this.#o.pageSize === undefined ? {} : { pageSize: this.#o.pageSize }),
    };
    const version = await listPages(this.#o.kube, query, (items) => {
      for (const raw of items) {
        const obj = this.#o.transform(raw);
        if (!obj) continue;
        seen.add(obj.key);
        this.items.set(obj.key, obj);
        this.#o.onChange?.(obj.key, obj);
      }
    });
    for (const key of [...this.items.keys()]) {
      if (!seen.has(key)) {
        this.items.delete(key);
        this.#o.onChange?.(key, undefined);
      }
    }
    this.#version = version;
    if (!this.#synced) {
      this.#synced = true;
      for (const f of this.#onSynced.splice(0)) f();
    }
  }

  async #watch(signal: AbortSignal): Promise<void> {
    let gone = false;
    const onEvent = (type: WatchEventType, raw: unknown) => {
      const meta = (raw as { metadata?: { resourceVersion?: string } }).metadata;
      if (type === "ERROR") {
        if ((raw as { code?: number }).code === 410) gone = true;
        return;
      }
      if (meta?.resourceVersion) this.#version = meta.resourceVersion;
      if (type === "BOOKMARK") return;
      const obj = this.#o.transform(raw);
      const key = obj?.key ?? keyOf(raw);
      if (type === "DELETED" || !obj) {
        if (this.items.delete(key)) this.#o.onChange?.(key, undefined);
        return;
      }
      const have = this.items.get(key);
      if (have && older(obj.resourceVersion, have.resourceVersion)) return;
      this.items.set(key, obj);
      this.#o.onChange?.(key, obj);
    };
    await this.#o.kube.watch(
      this.#o.path,
      {
        resourceVersion: this.#version,
        allowWatchBookmarks: true,
        timeoutSeconds: 240 + Math.floor(Math.random() * 120),
        labelSelector: this.#o.labelSelector,
        fieldSelector: this.#o.fieldSelector,
      },
      onEvent,
      signal,
    );
    if (gone) this.#version = "";
  }
}

/** "namespace/name", or "name" for cluster-scoped objects. */
export function keyOf(raw: unknown): string {
  const m = (raw as { metadata?: { name?: string; namespace?: string } }).metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? "");
}
