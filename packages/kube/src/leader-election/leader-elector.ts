import { BasaltError } from "@basalt/machinery";
import type { Kube } from "../kube-client.ts";
import { decideLeadership, type LeaderDecision, nextLeaseState, releasedLeaseState } from "./decide.ts";
import { KubeLeaseLock, type LeaseLock, type LeaseRecord } from "./lease-lock.ts";
import { deadline, jitterFactor, type LeaderElectionOptions, pause, resolveTiming } from "./options.ts";

/** What the application does when leadership changes. */
export interface LeaderCallbacks {
  /**
   * We lead from now on until `signal` aborts: start acting, and stop when it fires. It fires when
   * a renewal did not succeed by the renew deadline (so before anyone else can take over: the
   * lease duration is longer), when someone else took the Lease, or when `run` is cancelled.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** We no longer lead (always after onStartedLeading's signal fired). */
  onStoppedLeading?(): void;
  /** The holder we observe changed (including to ourselves). */
  onNewLeader?(identity: string): void;
}

/** Injected clock and logging, for tests. */
export interface LeaderElectorDeps {
  /** Monotonic ms; default `performance.now()`. */
  monotonic?: () => number;
  /** Wall clock written into the Lease; default `new Date()`. */
  wallClock?: () => Date;
  log?: (message: string) => void;
}

/**
 * Lease-based leader election over coordination.k8s.io/v1 (the TS client has none): the loop
 * around `decideLeadership`. `run(signal)` campaigns until it leads, renews while it leads,
 * and after losing leadership campaigns again, until `signal` aborts.
 */
export class LeaderElector {
  readonly #lock: LeaseLock;
  readonly #callbacks: LeaderCallbacks;
  readonly #identity: string;
  readonly #leaseSeconds: number;
  readonly #renewDeadlineMs: number;
  readonly #retryMs: number;
  readonly #releaseOnCancel: boolean;
  readonly #now: () => number;
  readonly #wall: () => Date;
  readonly #log: (message: string) => void;
  #observed: LeaseRecord | undefined;
  #observedAt = 0;
  #leader: string | undefined;
  #leading = false;
  /** When the last successful write was sent (monotonic ms): the earliest the apiserver can have stamped it. */
  #lastWriteSentAt = 0;
  /** The last decision and its reason, for status conditions and metrics. */
  lastDecision: LeaderDecision | undefined;

  constructor(
    lock: LeaseLock,
    options: LeaderElectionOptions,
    callbacks: LeaderCallbacks,
    deps: LeaderElectorDeps = {},
  ) {
    const {
      leaseDurationSeconds: lease,
      renewDeadlineSeconds: renew,
      retryPeriodSeconds: retry,
    } = resolveTiming(options);
    this.#lock = lock;
    this.#callbacks = callbacks;
    this.#identity = options.identity;
    this.#leaseSeconds = lease;
    this.#renewDeadlineMs = renew * 1000;
    this.#retryMs = retry * 1000;
    this.#releaseOnCancel = options.releaseOnCancel ?? true;
    this.#now = deps.monotonic ?? (() => performance.now());
    this.#wall = deps.wallClock ?? (() => new Date());
    this.#log = deps.log ?? (() => {});
  }

  /** A LeaderElector on a real Lease named by `options`. */
  static onLease(
    kube: Kube,
    options: LeaderElectionOptions,
    callbacks: LeaderCallbacks,
    deps?: LeaderElectorDeps,
  ) {
    return new LeaderElector(
      new KubeLeaseLock(kube, options.namespace, options.name),
      options,
      callbacks,
      deps,
    );
  }

  get identity(): string {
    return this.#identity;
  }

  /** Whether we lead right now. */
  get isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last observed, if any. */
  get leader(): string | undefined {
    return this.#leader;
  }

  /** Campaigns, leads, and campaigns again after losing, until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.#campaign(signal))) break;
      const term = new AbortController();
      this.#leading = true;
      this.#log(`${this.#identity}: started leading (${this.lastDecision?.reason})`);
      this.#startLeading(term.signal);
      const why = await this.#renewWhileLeading(signal);
      this.#leading = false;
      term.abort(new BasaltError("canceled", `${this.#identity} stopped leading: ${why}`));
      this.#log(`${this.#identity}: stopped leading: ${why}`);
      this.#safely("onStoppedLeading", () => this.#callbacks.onStoppedLeading?.());
      if (signal.aborted && this.#releaseOnCancel) await this.#release();
    }
  }

  #startLeading(signal: AbortSignal): void {
    // Not awaited: the application acts while we keep renewing; its failures are its own.
    void Promise.resolve()
      .then(() => this.#callbacks.onStartedLeading(signal))
      .catch((err: unknown) =>
        this.#log(`${this.#identity}: onStartedLeading failed: ${(err as Error).message}`),
      );
  }

  #safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log(`${this.#identity}: ${what} failed: ${(err as Error).message}`);
    }
  }

  /** Tries every retry period (with jitter) until we hold the Lease; false if `signal` aborted. */
  async #campaign(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(AbortSignal.any([signal, deadline(this.#renewDeadlineMs)])))
        return true;
      const wait = this.#retryMs * (1 + Math.random() * (jitterFactor - 1));
      if (!(await pause(wait, signal))) return false;
    }
    return false;
  }

  /**
   * Renews every retry period. Returns why leadership ended: the renew deadline passed since the
   * last renewal that succeeded (measured from when that request was sent: the apiserver may
   * have written it any time after), someone else holds the Lease, or `signal` aborted.
   */
  async #renewWhileLeading(signal: AbortSignal): Promise<string> {
    let lastRenewSent = this.#lastWriteSentAt;
    for (;;) {
      if (!(await pause(this.#retryMs, signal))) return "cancelled";
      for (;;) {
        const remaining = lastRenewSent + this.#renewDeadlineMs - this.#now();
        if (remaining <= 0)
          return `could not renew within the renew deadline (${this.#renewDeadlineMs / 1000} s)`;
        if (await this.#tryAcquireOrRenew(AbortSignal.any([signal, deadline(remaining)]))) {
          lastRenewSent = this.#lastWriteSentAt;
          break;
        }
        if (signal.aborted) return "cancelled";
        const holder = this.#observed?.holderIdentity;
        if (holder && holder !== this.#identity) return `${holder} holds the Lease now`;
        if (
          !(await pause(
            Math.min(this.#retryMs, Math.max(0, lastRenewSent + this.#renewDeadlineMs - this.#now())),
            signal,
          ))
        )
          return "cancelled";
      }
    }
  }

  /** One attempt: read (unless we lead and know the version), decide, write. True if we hold it after. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    try {
      // Fast path, as client-go: a leader renews on the version it wrote, without reading first.
      if (this.#leading && this.#observed?.holderIdentity === this.#identity) {
        try {
          return await this.#write({ action: "renew", reason: "we hold the Lease" }, this.#observed, signal);
        } catch (err) {
          if (!(err instanceof BasaltError && err.code === "failed_precondition")) throw err;
        }
      }
      const lease = await this.#lock.get(signal);
      this.#observe(lease);
      const decision = decideLeadership({
        lease,
        observedAt: this.#observedAt,
        now: this.#now(),
        identity: this.#identity,
        leaseDurationSeconds: this.#leaseSeconds,
      });
      this.lastDecision = decision;
      if (decision.action === "wait") return false;
      return await this.#write(decision, lease, signal);
    } catch (err) {
      this.#log(`${this.#identity}: ${(err as Error).message}`);
      return false;
    }
  }

  async #write(
    decision: Exclude<LeaderDecision, { action: "wait" }>,
    current: LeaseRecord | undefined,
    signal: AbortSignal,
  ) {
    const state = nextLeaseState(decision, current, this.#identity, this.#leaseSeconds, this.#wall());
    const sent = this.#now();
    const written =
      decision.action === "create" || current === undefined
        ? await this.#lock.create(state, signal)
        : await this.#lock.update(current.resourceVersion, state, signal);
    this.lastDecision = decision;
    this.#lastWriteSentAt = sent;
    this.#observe(written);
    return true;
  }

  /** Notes a read or written Lease; the clock restarts whenever its content changed. */
  #observe(lease: LeaseRecord | undefined): void {
    const changed =
      lease?.resourceVersion !== this.#observed?.resourceVersion ||
      lease?.holderIdentity !== this.#observed?.holderIdentity;
    if (changed || this.#observedAt === 0) this.#observedAt = this.#now();
    this.#observed = lease;
    const holder = lease?.holderIdentity || undefined;
    if (holder !== undefined && holder !== this.#leader) {
      this.#leader = holder;
      this.#safely("onNewLeader", () => this.#callbacks.onNewLeader?.(holder));
    }
  }

  /**
   * Steps down so that a successor need not wait out the lease duration. Best effort. Reads the
   * Lease first: a renewal cancelled in flight may still have been written, leaving the version
   * we know stale.
   */
  async #release(): Promise<void> {
    if (this.#observed?.holderIdentity !== this.#identity) return;
    const signal = deadline(this.#renewDeadlineMs);
    try {
      const current = await this.#lock.get(signal);
      if (current?.holderIdentity !== this.#identity) return;
      this.#observe(
        await this.#lock.update(current.resourceVersion, releasedLeaseState(current, this.#wall()), signal),
      );
      this.#log(`${this.#identity}: released the Lease`);
    } catch (err) {
      this.#log(`${this.#identity}: could not release the Lease: ${(err as Error).message}`);
    }
  }
}
