import type { Kube } from "@basalt/kube";
import { Reflector } from "@basalt/kube";
import {
  type NodeObject,
  parseRequest,
  type SimFailure,
  type SimRequest,
  simKeys,
  toNode,
} from "@basalt/rollout";

/**
 * The SIMULATED nodes' side of an upgrade, for kwok nodes (which have no basaltd): it watches Nodes
 * for requests the simulated agent left (sim-protocol.ts) and plays them out in time — installing for
 * `installMs` with the node still Ready, then NotReady for `rebootMs`, then Ready again on the new
 * versions with a new boot ID. Each step is a pure function of the request's timestamp and the clock,
 * so the simulator (like the controller) may be restarted at any moment.
 *
 * kwok must run with stages that leave a node alone while its power is "off" (see kwok-stages.ts),
 * or kwok would mark it Ready again at once.
 */
export interface SimulatorOptions {
  kube: Kube;
  installMs: number;
  rebootMs: number;
  /** How often time-based steps are checked. */
  tickMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
  /** Only nodes with these labels (all kwok nodes by default). */
  labelSelector?: string;
}

/** Where a request stands at `now`. */
export type SimStep = "installing" | "rebooting" | "back";

export function simStep(request: SimRequest, now: number, installMs: number, rebootMs: number): SimStep {
  const install = request.op === "upgrade" ? installMs : 0;
  if (now < request.at + install) return "installing";
  if (now < request.at + install + rebootMs) return "rebooting";
  return "back";
}

/**
 * The versions and annotations a node comes back with after `request`, like an A/B node: an upgrade
 * boots the new versions and keeps the old ones as the other slot's; a rollback boots the other
 * slot's and keeps the ones it left. Idempotent per request: once the node's annotations say it
 * boots `request` (simKeys.bootedRequest), nothing moves again — the simulator works a node out
 * many times through one reboot, and must not take the new version for the old one.
 */
export function afterBoot(node: NodeObject, request: SimRequest) {
  const a = node.annotations;
  const failure = a[simKeys.fail] as SimFailure | undefined;
  const os = a[simKeys.osVersion];
  const kubelet = node.kubeletVersion;
  const annotations: Record<string, string | null> = {
    [simKeys.request]: null,
    [simKeys.power]: null,
    [simKeys.rebootRequired]: null,
  };
  const bootId = `${node.name}-${request.id}`;
  if (a[simKeys.bootedRequest] === request.id) return { annotations, kubelet, bootId };
  annotations[simKeys.bootedRequest] = request.id;
  let next = { os, kubelet };
  if (request.op === "upgrade" && failure !== "boot-old") {
    next = { os: request.os ?? os, kubelet: request.kubernetes ?? kubelet };
    if (os) annotations[simKeys.previousOs] = os;
    if (kubelet) annotations[simKeys.previousKubelet] = kubelet;
  }
  if (request.op === "rollback") {
    next = { os: a[simKeys.previousOs] ?? os, kubelet: a[simKeys.previousKubelet] ?? kubelet };
    // The slot rolled back from now holds what the node ran.
    if (os) annotations[simKeys.previousOs] = os;
    if (kubelet) annotations[simKeys.previousKubelet] = kubelet;
    annotations[simKeys.healthy] = null;
  }
  if (request.op === "upgrade" && failure === "unhealthy") annotations[simKeys.healthy] = "false";
  if (next.os) annotations[simKeys.osVersion] = next.os;
  return { annotations, kubelet: next.kubelet, bootId };
}

function readyCondition(ready: boolean, now: number) {
  const time = new Date(now).toISOString();
  return {
    type: "Ready",
    status: ready ? "True" : "False",
    reason: ready ? "KubeletReady" : "BasaltSimulatedReboot",
    message: ready ? "kubelet is posting ready status (simulated)" : "simulated reboot",
    lastTransitionTime: time,
    lastHeartbeatTime: time,
  };
}

export class KwokNodeSimulator {
  readonly #o: Required<Omit<SimulatorOptions, "labelSelector" | "onError">> & SimulatorOptions;
  readonly #nodes: Reflector<NodeObject>;
  readonly #busy = new Set<string>();
  /** Simulated reboots finished. */
  reboots = 0;

  constructor(options: SimulatorOptions) {
    this.#o = { tickMs: 100, now: Date.now, ...options };
    this.#nodes = new Reflector<NodeObject>({
      kube: options.kube,
      path: "/api/v1/nodes",
      labelSelector: options.labelSelector,
      transform: toNode,
      onChange: (key, node) => {
        if (node) void this.#step(node);
        else this.#busy.delete(key);
      },
      onError: options.onError,
    });
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const reflector = this.#nodes.run(signal);
    const timer = setInterval(() => {
      for (const node of this.#nodes.items.values()) void this.#step(node);
    }, this.#o.tickMs);
    signal.addEventListener("abort", () => clearInterval(timer), { once: true });
    await reflector;
  }

  whenSynced(): Promise<void> {
    return this.#nodes.whenSynced();
  }

  async #step(node: NodeObject): Promise<void> {
    const request = parseRequest(node.annotations[simKeys.request]);
    if (!request || this.#busy.has(node.name)) return;
    const now = this.#o.now();
    const step = simStep(request, now, this.#o.installMs, this.#o.rebootMs);
    if (step === "installing") return;
    const never = request.op === "upgrade" && node.annotations[simKeys.fail] === "never";
    const next = afterBoot(node, request);
    const nodeInfo: Record<string, string> = never ? {} : { bootID: next.bootId };
    if (next.kubelet && !never) nodeInfo.kubeletVersion = next.kubelet;
    this.#busy.add(node.name);
    try {
      const {
        [simKeys.request]: _,
        [simKeys.power]: __,
        [simKeys.rebootRequired]: ___,
        ...versions
      } = next.annotations;
      // Going down, in this order: power "off" (so kwok's stages leave the node alone; they would
      // mark it Ready again at once), then NotReady with the new boot ID, then the versions it boots.
      // The controller never sees the node Ready with a new boot ID but old versions, nor Ready on
      // new versions with the old boot (a node without a boot ID is judged by its versions alone).
      if (node.annotations[simKeys.power] !== "off")
        await this.#annotate(node.name, { [simKeys.power]: "off" });
      if (node.ready)
        await this.#patchStatus(node.name, { conditions: [readyCondition(false, now)], nodeInfo });
      if (!never && Object.entries(versions).some(([k, v]) => (node.annotations[k] ?? null) !== v)) {
        await this.#annotate(node.name, versions);
      }
      if (step === "back" && !never) {
        // Up again: the request done and the node Ready on its new boot, in either order.
        await Promise.all([
          this.#annotate(node.name, {
            [simKeys.request]: null,
            [simKeys.power]: null,
            [simKeys.rebootRequired]: null,
          }),
          this.#patchStatus(node.name, { conditions: [readyCondition(true, this.#o.now())], nodeInfo }),
        ]);
        this.reboots++;
      }
    } catch (err) {
      this.#o.onError?.(err);
    } finally {
      this.#busy.delete(node.name);
    }
  }

  async #annotate(name: string, annotations: Record<string, string | null>): Promise<void> {
    const node = await this.#o.kube.request({
      method: "PATCH",
      path: `/api/v1/nodes/${name}`,
      body: { metadata: { annotations } },
    });
    this.#nodes.observe(node);
  }

  async #patchStatus(name: string, status: Record<string, unknown>): Promise<void> {
    const node = await this.#o.kube.request({
      method: "PATCH",
      path: `/api/v1/nodes/${name}/status`,
      patch: "strategic",
      body: { status },
    });
    this.#nodes.observe(node);
  }
}
