/**
 * The leader-election decision as a pure function, separate from the I/O loop so that every case
 * can be a row in a table test.
 *
 * Expiry is judged the way client-go judges it: not by the `renewTime` written in the Lease (the
 * holder's wall clock, which may be skewed against ours) but by when *we* last saw the record
 * change, on our own monotonic clock. A holder that keeps renewing keeps changing the record; one
 * whose record has not changed for `leaseDurationSeconds` of our time is presumed gone.
 */

/** The parts of a Lease spec leader election reads and writes. */
export interface LeaseState {
  /** Who holds the Lease; empty or absent when nobody does (never held, or released). */
  holderIdentity?: string | undefined;
  leaseDurationSeconds?: number | undefined;
  acquireTime?: Date | undefined;
  renewTime?: Date | undefined;
  leaseTransitions?: number | undefined;
}

/** What the decision is made from. */
export interface DecisionInput {
  /** The Lease as last read; `undefined` when it does not exist. */
  lease: LeaseState | undefined;
  /** Our monotonic clock (ms) when we first saw the Lease in its current state. */
  observedAt: number;
  /** Our monotonic clock (ms) now. */
  now: number;
  /** This candidate. */
  identity: string;
  /** Used when the Lease does not say its own duration. */
  leaseDurationSeconds: number;
}

/**
 * What to do next, and why, in words fit for a log line or a status condition:
 * - `create`: there is no Lease; create it holding it ourselves.
 * - `acquire`: take the Lease over (a new term: acquireTime now, leaseTransitions + 1).
 * - `renew`: we hold it; write a fresh renewTime.
 * - `wait`: someone else holds it and may still be alive; `expiresInMs` is when we may try.
 */
export type LeaderDecision =
  | { action: "create"; reason: string }
  | { action: "acquire"; reason: string; previousHolder: string | undefined }
  | { action: "renew"; reason: string }
  | { action: "wait"; reason: string; holder: string; expiresInMs: number };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Decides whether `identity` should create, acquire, renew or wait for the Lease. */
export function decideLeadership(input: DecisionInput): LeaderDecision {
  const { lease, identity } = input;
  if (lease === undefined) return { action: "create", reason: "no Lease exists yet" };
  const holder = lease.holderIdentity ?? "";
  if (holder === identity) return { action: "renew", reason: "we hold the Lease" };
  if (holder === "")
    return { action: "acquire", reason: "the Lease is not held by anyone", previousHolder: undefined };
  const durationSeconds =
    lease.leaseDurationSeconds && lease.leaseDurationSeconds > 0
      ? lease.leaseDurationSeconds
      : input.leaseDurationSeconds;
  const unchangedFor = input.now - input.observedAt;
  const expiresInMs = durationSeconds * 1000 - unchangedFor;
  if (expiresInMs > 0)
    return {
      action: "wait",
      reason: `held by ${holder}; expires in ${seconds(expiresInMs)} unless renewed`,
      holder,
      expiresInMs,
    };
  return {
    action: "acquire",
    reason: `${holder} has not renewed for ${seconds(unchangedFor)} (lease duration ${durationSeconds} s)`,
    previousHolder: holder,
  };
}

/**
 * The Lease state to write for a decision that writes (create, acquire, renew) at wall-clock `now`:
 * a new term resets acquireTime and counts a transition; a renewal keeps both.
 */
export function nextLeaseState(
  decision: Exclude<LeaderDecision, { action: "wait" }>,
  current: LeaseState | undefined,
  identity: string,
  leaseDurationSeconds: number,
  now: Date,
): LeaseState {
  const transitions = current?.leaseTransitions ?? 0;
  if (decision.action === "renew")
    return {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: current?.acquireTime ?? now,
      renewTime: now,
      leaseTransitions: transitions,
    };
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: now,
    renewTime: now,
    // Like client-go: a create starts at 0; every change of holder after that counts one.
    leaseTransitions: decision.action === "create" ? 0 : transitions + 1,
  };
}

/** The Lease a leader writes when it steps down, so that a successor need not wait for expiry. */
export function releasedLeaseState(current: LeaseState | undefined, now: Date): LeaseState {
  return {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: current?.leaseTransitions ?? 0,
  };
}
