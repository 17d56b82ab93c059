import { LifecycleService, NodeService, UpgradeService } from "@basalt/api";
import { explainCallError, nodeTransport, type TlsMaterial } from "@basalt/client";
import { BasaltError, defaultApiPort } from "@basalt/machinery";
import type {
  Accepted,
  AgentCallOptions,
  NodeAgent,
  NodeAgentStatus,
  NodeRef,
  UpgradeTarget,
} from "@basalt/rollout";
import { createClient, type Transport } from "@connectrpc/connect";

/**
 * The node agent over the Basalt node API (mTLS; the client certificate needs role os:upgrader — or
 * os:admin — which Upgrade, Rollback and Reboot require). OS targets go through UpgradeService.Upgrade (the node fetches the
 * signed bundle from the plan's URL, writes the inactive slot and reboots itself); Rollback boots the
 * other slot; a reboot-only target (agent mode) is LifecycleService.Reboot. Status is one
 * NodeService.NodeStatus call.
 */

/**
 * Annotation that overrides where a node's API listens ("host:port"), for nodes reached through a
 * forward (test clusters, NAT). Kept, and guarded: it only says where to dial, never who answers —
 * every connection requires the node's serving certificate to name this Kubernetes node (DNS
 * subjectAltName = node name, checked in the TLS handshake), so a kubelet that rewrites its own Node
 * object (annotation or addresses) can point the controller at another node only to be refused.
 */
export const endpointAnnotation = "basalt.dev/api-endpoint";

const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export interface BasaltNodeAgentOptions {
  tls: TlsMaterial;
  /** Per call, except Upgrade. */
  timeoutMs?: number;
  /** The whole Upgrade stream (download, write, verify). */
  upgradeTimeoutMs?: number;
  port?: number;
}

/** host:port of a node's API: the annotation, else its InternalIP (then ExternalIP) and the default port. */
export function nodeEndpoint(node: NodeRef, port = defaultApiPort): string {
  const override = node.annotations[endpointAnnotation];
  if (override) {
    const m = hostPort.exec(override);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new BasaltError(
        "failed_precondition",
        `node ${node.name}: annotation ${endpointAnnotation}="${override}" is not host:port`,
        { hint: `set it to host:port (e.g. 10.0.0.5:${port}) or remove it to use the node's InternalIP` },
      );
    }
    return override;
  }
  const address =
    node.addresses.find((a) => a.type === "InternalIP")?.address ??
    node.addresses.find((a) => a.type === "ExternalIP")?.address;
  if (!address) {
    throw new BasaltError("failed_precondition", `node ${node.name} has no InternalIP to reach its API at`, {
      hint: `annotate it with ${endpointAnnotation}=host:port`,
    });
  }
  return `${address.includes(":") ? `[${address}]` : address}:${port}`;
}

interface Connection {
  endpoint: string;
  transport: Transport;
}

export class BasaltNodeAgent implements NodeAgent {
  readonly kind = "basalt-node-api";
  readonly #o: BasaltNodeAgentOptions;

  constructor(options: BasaltNodeAgentOptions) {
    this.#o = options;
  }

  #transport(node: NodeRef): Connection {
    const endpoint = nodeEndpoint(node, this.#o.port);
    return {
      endpoint,
      // The node's serving certificate must name this node, whatever address it was reached at.
      transport: nodeTransport(endpoint, this.#o.tls, {
        timeoutMs: this.#o.timeoutMs ?? 15_000,
        nodeName: node.name,
      }),
    };
  }

  async #call<T>(node: NodeRef, f: (c: Connection) => Promise<T>): Promise<T> {
    const t = this.#transport(node);
    try {
      return await f(t);
    } catch (err) {
      throw explainCallError(err, `${node.name} (${t.endpoint})`);
    }
  }

  async upgrade(node: NodeRef, target: UpgradeTarget, options: AgentCallOptions = {}): Promise<Accepted> {
    const { signal } = options;
    if (!target.os && target.kubernetes) {
      throw new BasaltError(
        "failed_precondition",
        `node ${node.name}: Kubernetes comes with the Basalt image; a Kubernetes-only target cannot be installed by itself`,
        { hint: "give target.os too: an image that carries that kubelet" },
      );
    }
    if (!target.os) {
      return this.#call(node, async ({ transport }) => {
        const r = await createClient(LifecycleService, transport).reboot({}, { signal });
        return { message: r.message || "reboot scheduled" };
      });
    }
    const os = target.os;
    return this.#call(node, async ({ transport }) => {
      const client = createClient(UpgradeService, transport);
      const status = await client.upgradeStatus({}, { signal });
      if (status.inProgress) return { message: `already under way: ${status.inProgress}` };
      // Idempotent, as the controller needs it: a call repeated after the node rebooted into the
      // target (a retry, or a pass planned before the first answer) must not be refused as a
      // reinstall — that would fail, and then roll back, a node that upgraded fine.
      if (status.bootedVersion === os.version) return { message: `already running ${os.version}` };
      if (status.slots.some((s) => s.version === os.version && s.state === "pending"))
        return { message: `${os.version} is installed and boots next` };
      let last = "";
      try {
        const stream = client.upgrade(
          { url: os.bundleUrl, options: { force: false, stage: false } },
          { timeoutMs: this.#o.upgradeTimeoutMs ?? 1_800_000, signal },
        );
        for await (const r of stream) {
          last = r.progress?.phase ?? last;
          if (last === "rebooting" || last === "staged") {
            return { message: r.progress?.message || `${last} into ${r.progress?.version ?? os.version}` };
          }
        }
      } catch (err) {
        // The node may drop the connection as it goes down for the reboot it announced.
        if (last === "rebooting" && !signal?.aborted) return { message: `rebooting into ${os.version}` };
        throw err;
      }
      return { message: `upgrade stream ended at "${last || "start"}"` };
    });
  }

  rollback(node: NodeRef, options: AgentCallOptions = {}): Promise<Accepted> {
    return this.#call(node, async ({ transport }) => {
      const r = await createClient(UpgradeService, transport).rollback(
        { stage: false },
        { signal: options.signal },
      );
      return { message: r.message || `rolling back to ${r.version}` };
    });
  }

  /** One NodeStatus call (it replaced Version, UpgradeStatus, ServiceList and two file reads). */
  status(node: NodeRef, options: AgentCallOptions = {}): Promise<NodeAgentStatus> {
    return this.#call(node, async ({ transport }) => {
      const s = await createClient(NodeService, transport).nodeStatus({}, { signal: options.signal });
      // An A/B node's boot counts as healthy only once blessed: until then its boot guard may
      // still reboot it and fall back (a version whose health never passes), so a node verified
      // on its services alone would be marked done and then leave the target by itself.
      const unblessed = s.bootedSlot !== "" && !s.blessed;
      const status: NodeAgentStatus = {
        healthy: s.healthy && !unblessed,
        rebootPending: s.rebootRequired,
      };
      if (s.bootedVersion) status.osVersion = s.bootedVersion;
      // The node's own answer once basaltd runs the kubelet; until then what the Node object says.
      const kubelet = s.kubeletVersion || node.kubeletVersion;
      if (kubelet) status.kubeletVersion = kubelet;
      if (s.bootId) status.bootId = s.bootId;
      const reasons = s.healthReasons.map((r) => `${r.source}: ${r.message}`);
      if (unblessed) reasons.push(`boot of ${s.bootedVersion} not blessed yet`);
      if (!status.healthy) status.detail = reasons.join("; ");
      return status;
    });
  }
}
