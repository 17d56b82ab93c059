import { CoordinationV1Api, type KubeConfig, type V1Lease, type V1MicroTime } from "@kubernetes/client-node";
import { httpStatusOf, kubeError } from "../api-errors.ts";
import { reuseConnections } from "../connection-reuse.ts";
import { formatMicroTime, parseMicroTime } from "../micro-time.ts";
import { withSignal } from "../request-options.ts";
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

function toRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? "",
    holderIdentity: spec.holderIdentity,
    leaseDurationSeconds: spec.leaseDurationSeconds,
    // The client returns MicroTime as the raw string (see micro-time.ts).
    acquireTime: parseMicroTime(spec.acquireTime),
    renewTime: parseMicroTime(spec.renewTime),
    leaseTransitions: spec.leaseTransitions,
  };
}

// The client would serialize a Date with 3 fractional digits, which the apiserver rejects; it
// copies values it has no serializer for as they are, so a preformatted string goes out unchanged.
const microTime = (d: Date | undefined) =>
  d === undefined ? undefined : (formatMicroTime(d) as unknown as V1MicroTime);

function toLease(namespace: string, name: string, state: LeaseState, resourceVersion?: string): V1Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    spec: {
      holderIdentity: state.holderIdentity,
      leaseDurationSeconds: state.leaseDurationSeconds,
      acquireTime: microTime(state.acquireTime),
      renewTime: microTime(state.renewTime),
      leaseTransitions: state.leaseTransitions,
    },
  };
}

/** `LeaseLock` over coordination.k8s.io/v1 Leases through @kubernetes/client-node. */
export class KubeLeaseLock implements LeaseLock {
  readonly description: string;
  readonly #api: CoordinationV1Api;
  readonly #namespace: string;
  readonly #name: string;

  constructor(api: CoordinationV1Api, namespace: string, name: string) {
    this.#api = api;
    this.#namespace = namespace;
    this.#name = name;
    this.description = `${namespace}/${name}`;
  }

  /** A lock using `kc`, on which it turns on connection reuse (`reuseConnections`): renewals every few seconds would otherwise each open a new TLS connection. */
  static fromKubeConfig(kc: KubeConfig, namespace: string, name: string): KubeLeaseLock {
    return new KubeLeaseLock(reuseConnections(kc).makeApiClient(CoordinationV1Api), namespace, name);
  }

  async get(signal: AbortSignal): Promise<LeaseRecord | undefined> {
    try {
      return toRecord(
        await this.#api.readNamespacedLease(
          { name: this.#name, namespace: this.#namespace },
          withSignal(signal),
        ),
      );
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw kubeError(`read Lease ${this.description}`, err);
    }
  }

  async create(state: LeaseState, signal: AbortSignal): Promise<LeaseRecord> {
    try {
      const body = toLease(this.#namespace, this.#name, state);
      return toRecord(
        await this.#api.createNamespacedLease({ namespace: this.#namespace, body }, withSignal(signal)),
      );
    } catch (err) {
      throw kubeError(`create Lease ${this.description}`, err);
    }
  }

  async update(resourceVersion: string, state: LeaseState, signal: AbortSignal): Promise<LeaseRecord> {
    try {
      const body = toLease(this.#namespace, this.#name, state, resourceVersion);
      return toRecord(
        await this.#api.replaceNamespacedLease(
          { name: this.#name, namespace: this.#namespace, body },
          withSignal(signal),
        ),
      );
    } catch (err) {
      throw kubeError(`update Lease ${this.description}`, err);
    }
  }
}
