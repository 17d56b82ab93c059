/**
 * The SIMULATION protocol between the simulated node agent (the controller's side) and the kwok node
 * simulator (the nodes' side), carried in Node annotations. Nothing here touches a real machine: it
 * exists so the full cordon → drain → upgrade → reboot → verify → uncordon cycle runs against a real
 * apiserver with kwok nodes, at thousands of nodes, and keeps running while controllers are killed.
 *
 * A request is stamped with the time it was made, and the simulator derives every step from that
 * time alone, so either side may restart at any moment without losing or repeating a step.
 */
export const simKeys = {
  /** The outstanding request, JSON {@link SimRequest}; removed when the node is back. */
  request: "sim.basalt.dev/request",
  /** The OS version the simulated node runs. */
  osVersion: "sim.basalt.dev/os-version",
  /** What it ran before its last upgrade, for rollback. */
  previousOs: "sim.basalt.dev/previous-os",
  previousKubelet: "sim.basalt.dev/previous-kubelet",
  /**
   * The id of the request whose versions the node already boots: written with them, so working out
   * the boot again (the simulator steps a node many times through one reboot) changes nothing.
   */
  bootedRequest: "sim.basalt.dev/booted-request",
  /** "off" while the simulated node is rebooting. */
  power: "sim.basalt.dev/power",
  /** "true": the simulated OS asks for a reboot (agent mode's /var/run/reboot-required). */
  rebootRequired: "sim.basalt.dev/reboot-required",
  /** "false": the simulated agent reports itself unhealthy. */
  healthy: "sim.basalt.dev/healthy",
  /**
   * Test knob, how the next upgrade goes wrong: "boot-old" (the new image does not boot; boot
   * counting brings the old one back), "never" (the node never comes back Ready), "refuse" (the
   * agent rejects the upgrade), "unhealthy" (back on the target, but unhealthy).
   */
  fail: "sim.basalt.dev/fail",
} as const;

export type SimFailure = "boot-old" | "never" | "refuse" | "unhealthy";

export interface SimRequest {
  op: "upgrade" | "rollback" | "reboot";
  os?: string;
  kubernetes?: string;
  /** When it was asked for (ms since the epoch): every step is timed from here. */
  at: number;
  id: string;
}

export function parseRequest(text: string | undefined): SimRequest | undefined {
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as SimRequest;
    return typeof r.at === "number" && typeof r.op === "string" ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The same request for the same target: asking again changes nothing. */
export function sameRequest(a: SimRequest | undefined, b: Omit<SimRequest, "at" | "id">): boolean {
  return a !== undefined && a.op === b.op && a.os === b.os && a.kubernetes === b.kubernetes;
}
