import { hasStatus } from "./kube-errors.ts";
import type { Kube } from "./kube-client.ts";

/**
 * The Lease calls of leader election (the `LeaseLock` interface of @basalt/kube's LeaderElector) over
 * the controller's small REST client, so leader election needs nothing of @kubernetes/client-node.
 * (@basalt/kube's index still loads that library for its other helpers: about 28 MB of RSS that a
 * client-free entry point for leader election would save.) Errors keep the codes LeaderElector
 * expects: 409 on update is `failed_precondition`, on create `already_exists`.
 */
export interface LeaseSpecState {
  holderIdentity?: string | undefined;
  leaseDurationSeconds?: number | undefined;
  acquireTime?: Date | undefined;
  renewTime?: Date | undefined;
  leaseTransitions?: number | undefined;
}

export interface LeaseRecordState extends LeaseSpecState {
  resourceVersion: string;
}

interface RawLease {
  metadata: { resourceVersion: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits (the apiserver rejects three). */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function parseTime(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function toRecord(lease: RawLease): LeaseRecordState {
  const s = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata.resourceVersion,
    holderIdentity: s.holderIdentity,
    leaseDurationSeconds: s.leaseDurationSeconds,
    acquireTime: parseTime(s.acquireTime),
    renewTime: parseTime(s.renewTime),
    leaseTransitions: s.leaseTransitions,
  };
}

function toSpec(state: LeaseSpecState) {
  const spec: Record<string, unknown> = {};
  if (state.holderIdentity !== undefined) spec.holderIdentity = state.holderIdentity;
  if (state.leaseDurationSeconds !== undefined) spec.leaseDurationSeconds = state.leaseDurationSeconds;
  if (state.acquireTime) spec.acquireTime = microTime(state.acquireTime);
  if (state.renewTime) spec.renewTime = microTime(state.renewTime);
  if (state.leaseTransitions !== undefined) spec.leaseTransitions = state.leaseTransitions;
  return spec;
}

export class RestLeaseLock {
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

  async get(signal: AbortSignal): Promise<LeaseRecordState | undefined> {
    try {
      return toRecord(
        await this.#call<RawLease>("GET", `${this.#collection}/${this.#name}`, undefined, signal),
      );
    } catch (err) {
      if (hasStatus(err, 404)) return undefined;
      throw err;
    }
  }

  async create(state: LeaseSpecState, signal: AbortSignal): Promise<LeaseRecordState> {
    const body = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.#name, namespace: this.#namespace },
      spec: toSpec(state),
    };
    return toRecord(await this.#call<RawLease>("POST", this.#collection, body, signal));
  }

  async update(
    resourceVersion: string,
    state: LeaseSpecState,
    signal: AbortSignal,
  ): Promise<LeaseRecordState> {
    const body = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.#name, namespace: this.#namespace, resourceVersion },
      spec: toSpec(state),
    };
    return toRecord(await this.#call<RawLease>("PUT", `${this.#collection}/${this.#name}`, body, signal));
  }

  /** The request, bounded by `signal` (the elector's renew deadline): the connection is cut when it fires. */
  #call<T>(method: "GET" | "POST" | "PUT", path: string, body: unknown, signal: AbortSignal): Promise<T> {
    signal.throwIfAborted();
    return this.#kube.request<T>({ method, path, body, timeoutMs: 10_000, signal });
  }
}
