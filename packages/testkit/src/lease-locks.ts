import type { LeaseLock, LeaseRecord, LeaseState } from "@basalt/kube";
import { BasaltError } from "@basalt/machinery";

/**
 * A Lease held in memory with the apiserver's optimistic concurrency (a resourceVersion per write,
 * `already_exists` on a second create, `failed_precondition` on a stale update), for testing
 * leader election and the code that runs under it without a cluster.
 */
export class MemoryLeaseLock implements LeaseLock {
  readonly description = "memory/lease";
  #record: LeaseRecord | undefined;
  #version = 0;

  /** The Lease as stored, for assertions. */
  get current(): LeaseRecord | undefined {
    return this.#record;
  }

  async get(signal: AbortSignal): Promise<LeaseRecord | undefined> {
    signal.throwIfAborted();
    return this.#record && { ...this.#record };
  }

  async create(state: LeaseState, signal: AbortSignal): Promise<LeaseRecord> {
    signal.throwIfAborted();
    if (this.#record) throw new BasaltError("already_exists", "lease exists");
    this.#record = { ...state, resourceVersion: String(++this.#version) };
    return { ...this.#record };
  }

  async update(resourceVersion: string, state: LeaseState, signal: AbortSignal): Promise<LeaseRecord> {
    signal.throwIfAborted();
    if (!this.#record) throw new BasaltError("not_found", "no lease");
    if (this.#record.resourceVersion !== resourceVersion)
      throw new BasaltError("failed_precondition", `stale resourceVersion ${resourceVersion}`);
    this.#record = { ...state, resourceVersion: String(++this.#version) };
    return { ...this.#record };
  }
}

/**
 * Wraps a LeaseLock so a test can cut one candidate off from it: while `severed`, every call hangs
 * until its signal aborts (as a request into a network partition does), then fails `unavailable`.
 */
export class SeverableLeaseLock implements LeaseLock {
  readonly description: string;
  severed = false;
  readonly #inner: LeaseLock;

  constructor(inner: LeaseLock) {
    this.#inner = inner;
    this.description = inner.description;
  }

  async #gate(signal: AbortSignal): Promise<void> {
    if (!this.severed) return;
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
    throw new BasaltError("unavailable", `${this.description}: partitioned`);
  }

  async get(signal: AbortSignal) {
    await this.#gate(signal);
    return this.#inner.get(signal);
  }

  async create(state: LeaseState, signal: AbortSignal) {
    await this.#gate(signal);
    return this.#inner.create(state, signal);
  }

  async update(resourceVersion: string, state: LeaseState, signal: AbortSignal) {
    await this.#gate(signal);
    return this.#inner.update(resourceVersion, state, signal);
  }
}
