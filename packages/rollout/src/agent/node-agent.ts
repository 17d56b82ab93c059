import type { UpgradeTarget } from "../planner/plan-spec.ts";

/**
 * The controller's client of one node's agent (basaltd): start an upgrade, roll back, and ask where
 * the node stands. It is an interface so that the same reconciler drives real Basalt nodes through
 * the node API and, at scale, kwok nodes through a simulated agent (named as such) — and so one shared
 * test suite holds both to the same contract.
 */

/** What the agent needs to reach a node: its name and what the Node object says about it. */
export interface NodeRef {
  name: string;
  addresses: readonly { type: string; address: string }[];
  /** The Node's annotations under our prefixes (an endpoint override, the simulation's state). */
  annotations: Readonly<Record<string, string>>;
  /** From the Node's status, which the kubelet keeps. */
  kubeletVersion?: string;
  bootId?: string;
}

/** Where a node stands, as its agent reports it. */
export interface NodeAgentStatus {
  osVersion?: string;
  kubeletVersion?: string;
  /** The agent's own verdict (its services are healthy). */
  healthy: boolean;
  /** Agent mode: the OS asks for a reboot (/var/run/reboot-required). */
  rebootPending: boolean;
  bootId?: string;
  /** Why it is not healthy, when it is not. */
  detail?: string;
}

/** The node accepted the request and will reboot by itself when it is ready to. */
export interface Accepted {
  message: string;
}

/** Per call: `signal` aborts the call in flight (the controller passes its leadership term). */
export interface AgentCallOptions {
  signal?: AbortSignal;
}

export interface NodeAgent {
  /** "basalt-node-api" or "simulated": shown in logs and Events. */
  readonly kind: string;
  /**
   * Starts moving the node to `target` (OS image, kubelet, or just the pending reboot), ending in a
   * reboot the node performs itself. Idempotent: asking again for the same target while it is under
   * way changes nothing. Rejects with a BasaltError; `unimplemented` and `failed_precondition` are
   * permanent (the node cannot do it), anything else may be retried.
   */
  upgrade(node: NodeRef, target: UpgradeTarget, options?: AgentCallOptions): Promise<Accepted>;
  /** Boots the previous image again (A/B rollback), ending in a reboot. */
  rollback(node: NodeRef, options?: AgentCallOptions): Promise<Accepted>;
  status(node: NodeRef, options?: AgentCallOptions): Promise<NodeAgentStatus>;
}

/** Errors the controller does not retry: the node cannot do what was asked. */
export function isPermanentAgentError(code: string): boolean {
  return code === "unimplemented" || code === "failed_precondition" || code === "invalid_argument";
}
