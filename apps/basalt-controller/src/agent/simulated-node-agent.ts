import { randomUUID } from "node:crypto";
import { BasaltError } from "@basalt/machinery";
import type { Accepted, NodeAgent, NodeAgentStatus, NodeRef, UpgradeTarget } from "@basalt/rollout";
import { parseRequest, type SimRequest, sameRequest, simKeys } from "@basalt/rollout";

/**
 * A SIMULATED node agent, for kwok nodes: instead of calling a node's API it records the request on
 * the Node (see sim-protocol.ts), and the kwok node simulator plays the node — the upgrade takes its
 * time, the Node goes NotReady for the reboot and comes back Ready on the new versions. Status is read
 * from the Node object alone, so it costs no request. Never use it against real nodes.
 */
export class SimulatedNodeAgent implements NodeAgent {
  readonly kind = "simulated";
  readonly #annotate: (node: string, annotations: Record<string, string | null>) => Promise<void>;
  readonly #now: () => number;

  /** `annotate` merges annotations into a Node (null removes one). */
  constructor(
    annotate: (node: string, annotations: Record<string, string | null>) => Promise<void>,
    now: () => number = Date.now,
  ) {
    this.#annotate = annotate;
    this.#now = now;
  }

  async #request(node: NodeRef, want: Omit<SimRequest, "at" | "id">): Promise<Accepted> {
    const current = parseRequest(node.annotations[simKeys.request]);
    if (sameRequest(current, want)) return { message: `simulated ${want.op} already under way` };
    if (node.annotations[simKeys.fail] === "refuse" && want.op === "upgrade") {
      throw new BasaltError("failed_precondition", `simulated node ${node.name} refused the upgrade`);
    }
    const request: SimRequest = { ...want, at: this.#now(), id: randomUUID().slice(0, 8) };
    await this.#annotate(node.name, { [simKeys.request]: JSON.stringify(request) });
    return { message: `simulated ${want.op} started` };
  }

  upgrade(node: NodeRef, target: UpgradeTarget): Promise<Accepted> {
    if (!target.os && !target.kubernetes) return this.#request(node, { op: "reboot" });
    const want: Omit<SimRequest, "at" | "id"> = { op: "upgrade" };
    if (target.os) want.os = target.os.version;
    if (target.kubernetes) want.kubernetes = target.kubernetes.version;
    return this.#request(node, want);
  }

  rollback(node: NodeRef): Promise<Accepted> {
    return this.#request(node, { op: "rollback" });
  }

  async status(node: NodeRef): Promise<NodeAgentStatus> {
    const a = node.annotations;
    const status: NodeAgentStatus = {
      healthy: a[simKeys.healthy] !== "false" && a[simKeys.power] !== "off",
      rebootPending: a[simKeys.rebootRequired] === "true",
    };
    if (a[simKeys.osVersion]) status.osVersion = a[simKeys.osVersion];
    if (node.kubeletVersion) status.kubeletVersion = node.kubeletVersion;
    if (node.bootId) status.bootId = node.bootId;
    if (!status.healthy) status.detail = a[simKeys.power] === "off" ? "rebooting" : "simulated: unhealthy";
    return status;
  }
}
