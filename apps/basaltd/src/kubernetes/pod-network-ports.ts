import type { KeptRoute, PodRoute } from "./pod-routes.ts";

/**
 * What the route keeper asks of the machine: its own routes (by protocol number, main table) and
 * the pod masquerade table. Only adapters/linux implements it for real; the keeper is tested
 * against a fake.
 */
export interface PodNetworkHost {
  /** The routes carrying basaltd's protocol number in the main table; no others. */
  keptRoutes(): Promise<KeptRoute[]>;
  /** Adds a route; fails (EEXIST) if any route to the destination is already there. */
  addRoute(route: PodRoute): Promise<void>;
  /** Overwrites basaltd's own route to the destination with a new gateway. */
  replaceRoute(route: PodRoute): Promise<void>;
  /** Removes the route only if it is basaltd's (protocol and gateway match). */
  removeRoute(route: KeptRoute): Promise<void>;
  /** Replaces the masquerade table (see renderPodMasquerade) in one transaction. */
  setMasquerade(script: string): Promise<void>;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
