import { hasStatus } from "../api-errors.ts";
import type { Kube } from "../kube-client.ts";
import { formatMicroTime, parseMicroTime } from "../micro-time.ts";
import type { LeaseState } from "./decide.ts";

/** A Lease as read: its state and the resourceVersion an update must name. */
export interface LeaseRecord extends LeaseState {
  resourceVersion: string;
}

/**
 * The three calls leader election makes, as an interface so that the loop can be tested in memory
 * and a test can cut a candidate off from the apiserver (a "partition") by wrapping the real one.
 * Every call takes a signal: none may outlive the renew deadline.
 */
export interface LeaseLock {
  /** `namespace/name`, for messages. */
  readonly description: string;
  /** The Lease, or `undefined` if it does not exist. */
  get(signal: AbortSignal): Promise<LeaseRecord | undefined>;
  /** Creates the Lease; fails with `already_exists` if someone else created it first. */
  create(state: LeaseState, signal: AbortSignal): Promise<LeaseRecord>;
  /**
   * Replaces the Lease's spec if it is still at `resourceVersion` (optimistic concurrency); fails
   * with `failed_precondition` if anyone wrote it since.
   */
  update(resourceVersion: string, state: LeaseState, signal: AbortSignal): Promise<LeaseRecord>;
}

interface RawLease {
  metadata?: { resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

function toRecord(lease: RawLease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? "",
    holderIdentity: spec.holderIdentity,
    leaseDurationSeconds: spec.leaseDurationSeconds,
    acquireTime: parseMicroTime(spec.acquireTime),
    renewTime: parseMicroTime(spec.renewTime),
    leaseTransitions: spec.leaseTransitions,
  };
}

function toLease(namespace: string, name: string, state: LeaseState, resourceVersion?: string) {
  const spec: Record<string, unknown> = {};
  if (state.holderIdentity !== undefined) spec.holderIdentity = state.holderIdentity;
  if (state.leaseDurationSeconds !== undefined) spec.leaseDurationSeconds = state.leaseDurationSeconds;
  // MicroTime: exactly six fractional digits, or the apiserver rejects the Lease.
  if (state.acquireTime) spec.acquireTime = formatMicroTime(state.acquireTime);
  if (state.renewTime) spec.renewTime = formatMicroTime(state.renewTime);
  if (state.leaseTransitions !== undefined) spec.leaseTransitions = state.leaseTransitions;
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    spec,
  };
}

/**
 * `LeaseLock` over a coordination.k8s.io/v1 Lease through the REST client. Every call is bounded by
 * its signal (the elector's renew deadline) and by 10 s; errors keep the codes LeaderElector
 * expects: 409 on update is `failed_precondition`, on create `already_exists`.
 */
export class KubeLeaseLock implements LeaseLock {
  readonly description: string;
  readonly #kube: Kube;
  readonly #namespace: string;
  readonly #name: string;

  constructor(kube: Kube, namespace: string, name: string) {
    this.#kube = kube;
    this.#namespace = namespace;
    this.#name = name;
    this.description = `${namespace}/${name}`;
  }

  get #collection(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.#namespace}/leases`;
  }

  async get(signal: AbortSignal): Promise<LeaseRecord | undefined> {
    try {
      return toRecord(await this.#call("GET", `${this.#collection}/${this.#name}`, undefined, signal));
    } catch (err) {
      if (hasStatus(err, 404)) return undefined;
      throw err;
    }
  }

  async create(state: LeaseState, signal: AbortSignal): Promise<LeaseRecord> {
    const body = toLease(this.#namespace, this.#name, state);
    return toRecord(await this.#call("POST", this.#collection, body, signal));
  }

  async update(resourceVersion: string, state: LeaseState, signal: AbortSignal): Promise<LeaseRecord> {
    const body = toLease(this.#namespace, this.#name, state, resourceVersion);
    return toRecord(await this.#call("PUT", `${this.#collection}/${this.#name}`, body, signal));
  }

  #call(method: "GET" | "POST" | "PUT", path: string, body: unknown, signal: AbortSignal): Promise<RawLease> {
    signal.throwIfAborted();
    return this.#kube.request<RawLease>({ method, path, body, timeoutMs: 10_000, signal });
  }
}
