import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ClusterService } from "@basalt/api";
import { explainCallError, nodeTransport } from "@basalt/client";
import { KubeClient, loadKubeconfig } from "@basalt/kube";
import { BasaltError, type MachineConfigInput, parseClientConfig, selectContext } from "@basalt/machinery";
import type { KeyPairPem } from "@basalt/pki";
import { createClient } from "@connectrpc/connect";
import { parse, stringify } from "yaml";
import type { NetworkPlan, VmAddress } from "../address-plan.ts";
import type { Argv } from "../netns-commands.ts";
import { ownerOf } from "../run-owner.ts";
import { createVmNetwork, type VmNetwork } from "../vm-network.ts";
import type { ClusterNodePlan, ClusterPhase, ClusterPlan } from "./cluster-plan.ts";
import type { ClusterEvent } from "./cluster-progress.ts";
import type { ClusterNodeState, ClusterState } from "./cluster-state.ts";

/**
 * The qemu cluster provisioner behind `basaltctl cluster create` (and usable by tests in-process):
 * a namespace with a bridge and one tap per VM (no uplink), the VMs under TCG with their config
 * drives, every node API answering, the control plane bootstrapped through the node API, an admin
 * kubeconfig from it, and every Node Ready. The caller supplies the machine configs (`configure`)
 * and keeps the returned cluster's owner process alive for as long as the cluster should run: the
 * VMs and the relay die with it.
 */

export const apiserverPort = 6443;

export interface ProvisionOptions {
  plan: ClusterPlan;
  /** Image directory (disk.raw inside) or a disk.raw. */
  image: string;
  /** The cluster's directory: VM disks and console logs go under vms/, the kubeconfig beside. */
  dir: string;
  /** CA of the node API (the `ca` of the cluster's secrets). */
  osCa: KeyPairPem;
  /** The machine config of one node, from the generated one (network and API already set). */
  configure(
    node: ClusterNodePlan,
    generated: MachineConfigInput,
    ctx: { plan: NetworkPlan; vm: VmAddress; controlPlaneIp: string },
  ): MachineConfigInput | Promise<MachineConfigInput>;
  relayCommand?: Argv;
  forwarderWorker?: URL;
  progress(event: Omit<ClusterEvent, "t">): void;
  /** Called whenever the state changes (persist it). */
  onState(state: ClusterState): void | Promise<void>;
  bootTimeoutMs?: number;
  bootstrapTimeoutMs?: number;
  readyTimeoutMs?: number;
  /** Validity of the admin kubeconfig's client certificate; default 30 days. */
  kubeconfigValiditySeconds?: number;
}

/** A failure of one phase, naming the node when one node is to blame. */
export class ClusterPhaseError extends BasaltError {
  readonly phase: ClusterPhase;
  readonly node: string | undefined;
  constructor(phase: ClusterPhase, node: string | undefined, cause: unknown, hint?: string) {
    const inner = cause instanceof BasaltError ? cause : undefined;
    const message = cause instanceof Error ? cause.message : String(cause);
    super(inner?.code ?? "internal", `${node ? `${node}: ` : ""}${phase} failed: ${message}`, {
      hint: hint ?? inner?.hint,
      cause,
    });
    this.phase = phase;
    this.node = node;
  }
}

export interface ProvisionedCluster {
  network: VmNetwork;
  state: ClusterState;
  kubeconfigPath: string;
  /** Stops the VMs and the relay and removes the namespace (the directory stays). */
  destroy(): Promise<void>;
}

/** Runs `fn` as `phase` (of `node`): its failure becomes a ClusterPhaseError. */
async function inPhase<T>(
  phase: ClusterPhase,
  node: string | undefined,
  fn: () => Promise<T>,
  hint?: () => string | undefined,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ClusterPhaseError) throw err;
    throw new ClusterPhaseError(phase, node ?? nodeOf(err), err, hint?.());
  }
}

function nodeOf(err: unknown): string | undefined {
  return /^([a-z0-9-]+): /.exec((err as Error)?.message ?? "")?.[1];
}

/**
 * Provisions the cluster of `plan`; on failure the error is a ClusterPhaseError and whatever was
 * started is still running (the caller decides: destroy, or keep it for a look).
 */
export async function provisionCluster(
  o: ProvisionOptions,
  started: (network: VmNetwork) => void = () => {},
): Promise<ProvisionedCluster> {
  const cpPlan = o.plan.nodes.find((n) => n.role === "controlplane");
  if (!cpPlan) throw new BasaltError("invalid_argument", "the plan has no control-plane node");
  let phase: ClusterPhase = "network";
  const state: ClusterState = {
    version: 1,
    name: o.plan.name,
    status: "creating",
    phase,
    createdAt: new Date().toISOString(),
    host: (await ownerOf(process.pid)) ?? { pid: process.pid, startTicks: "unknown" },
    namespace: `basalt-${o.plan.namespaceId}`,
    image: o.image,
    nodes: [],
  };
  const save = async (patch: Partial<ClusterState> = {}) => {
    Object.assign(state, patch);
    await o.onState(state);
  };
  const log = (line: string) => {
    const m = /^([a-z0-9-]+): (.*)$/s.exec(line);
    const node = m && o.plan.nodes.some((n) => n.name === m[1]) ? m[1] : undefined;
    o.progress({ phase, ...(node ? { node, message: m![2]! } : { message: line }) });
  };
  await save();
  const network = await inPhase("network", undefined, () =>
    createVmNetwork({
      image: o.image,
      id: o.plan.namespaceId,
      osCa: o.osCa,
      workDir: join(o.dir, "vms"),
      keepFiles: "always",
      relayCommand: o.relayCommand,
      forwarderWorker: o.forwarderWorker,
      log,
      vms: o.plan.nodes.map((n) => ({
        name: n.name,
        memoryMiB: n.memoryMiB,
        cpus: n.cpus,
        nice: n.nice,
        labels: { role: n.role },
        configure: (generated, ctx) =>
          o.configure(n, generated, { ...ctx, controlPlaneIp: ctx.plan.vms[0]!.ip }),
      })),
    }),
  );
  started(network);
  const nodeStates = (): ClusterNodeState[] =>
    network.vms.map((vm) => {
      const plan = o.plan.nodes.find((n) => n.name === vm.name)!;
      const pid = vm.qemu?.process.pid;
      return {
        name: vm.name,
        role: plan.role,
        ip: vm.ip,
        apiEndpoint: vm.apiEndpoint,
        memoryMiB: vm.memoryMiB,
        consoleLog: vm.consoleLog,
        ...(pid ? { qemu: { pid, startTicks: "unknown" } } : {}),
      };
    });
  const withOwners = async () =>
    Promise.all(
      nodeStates().map(async (n) => (n.qemu ? { ...n, qemu: (await ownerOf(n.qemu.pid)) ?? n.qemu } : n)),
    );
  const relayPid = network.relay.pid;
  await save({
    nodes: nodeStates(),
    ...(relayPid ? { relay: (await ownerOf(relayPid)) ?? { pid: relayPid, startTicks: "unknown" } } : {}),
  });
  const cp = network.vm(cpPlan.name);
  const consoleHint = (name?: string) => () => {
    const vm = name ? network.vms.find((v) => v.name === name) : undefined;
    return vm
      ? `console log: ${vm.consoleLog}`
      : `console logs: ${network.vms.map((v) => v.consoleLog).join(", ")}`;
  };

  phase = "boot";
  await save({ phase });
  o.progress({ phase, message: `starting ${network.vms.length} VMs under qemu TCG` });
  const booting = network.boot({ timeoutMs: o.bootTimeoutMs ?? 900_000 });
  // Awaited below; a failure before that must not count as unhandled.
  booting.catch(() => {});
  // qemu pids are known as soon as the VMs start: record them before the long wait.
  await new Promise((r) => setTimeout(r, 200));
  await save({ nodes: await withOwners() });
  await inPhase("boot", undefined, () => booting, undefined).catch((err: ClusterPhaseError) => {
    throw new ClusterPhaseError("boot", err.node, err.cause, consoleHint(err.node)());
  });
  await save({ nodes: await withOwners() });

  const client = selectContext(
    parseClientConfig(await readFile(network.clientConfigPath, "utf8"), network.clientConfigPath),
  ).context;
  const cluster = createClient(ClusterService, nodeTransport(cp.apiEndpoint, client));

  phase = "bootstrap";
  await save({ phase });
  await inPhase(
    "bootstrap",
    cp.name,
    async () => {
      try {
        for await (const m of cluster.bootstrap({}, { timeoutMs: o.bootstrapTimeoutMs ?? 900_000 }))
          o.progress({ phase, node: cp.name, message: `${m.phase}: ${m.message}${m.done ? " (done)" : ""}` });
      } catch (err) {
        throw explainCallError(err, cp.apiEndpoint, client);
      }
    },
    consoleHint(cp.name),
  );

  phase = "kubeconfig";
  await save({ phase });
  const kubeconfigPath = join(o.dir, "kubeconfig");
  const apiserver = await inPhase("kubeconfig", cp.name, async () => {
    const fwd = await network.forward(cp.ip, apiserverPort);
    let answer: { kubeconfig: string };
    try {
      answer = await cluster.kubeconfig(
        { validitySeconds: o.kubeconfigValiditySeconds ?? 30 * 86_400 },
        { timeoutMs: 60_000 },
      );
    } catch (err) {
      throw explainCallError(err, cp.apiEndpoint, client);
    }
    const server = `https://${fwd.endpoint}`;
    await writeFile(kubeconfigPath, pointKubeconfigAt(answer.kubeconfig, server, o.plan.name), {
      mode: 0o600,
    });
    o.progress({
      phase,
      node: cp.name,
      message: `apiserver forwarded at ${server}; kubeconfig ${kubeconfigPath}`,
    });
    return server;
  });
  await save({ apiserver, kubeconfig: kubeconfigPath });

  phase = "nodes-ready";
  await save({ phase });
  await inPhase(
    "nodes-ready",
    undefined,
    () =>
      waitForNodesReady(
        new KubeClient(loadKubeconfig(kubeconfigPath)),
        o.plan.nodes.map((n) => n.name),
        o.readyTimeoutMs ?? 1_200_000,
        (name) => o.progress({ phase: "nodes-ready", node: name, message: "Ready" }),
      ),
    consoleHint(),
  );
  await save({ status: "ready", phase: undefined });
  return { network, state, kubeconfigPath, destroy: () => network.destroy() };
}

/**
 * The node's kubeconfig names the apiserver at the control plane's bridge address, which only the
 * namespace reaches: point it at the host-side forward (the serving certificate names 127.0.0.1 too)
 * and name the cluster, user and context after the cluster.
 */
export function pointKubeconfigAt(kubeconfig: string, server: string, name: string): string {
  const doc = parse(kubeconfig) as {
    clusters?: { name: string; cluster: Record<string, unknown> }[];
    users?: { name: string }[];
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    "current-context"?: string;
  };
  if (!doc?.clusters?.length || !doc.users?.length)
    throw new BasaltError("internal", "the node's kubeconfig has no cluster or user");
  const cluster = doc.clusters[0]!;
  const user = doc.users[0]!;
  const out = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { ...cluster.cluster, server } }],
    users: [{ ...user, name: `${name}-admin` }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin` } }],
    "current-context": name,
  };
  return stringify(out);
}

interface NodeObject {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Polls the Nodes until every name in `names` is Ready (each reported once as it gets there). */
export async function waitForNodesReady(
  kube: KubeClient,
  names: readonly string[],
  timeoutMs: number,
  onReady: (name: string) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ready = new Set<string>();
  let last = "";
  for (;;) {
    try {
      const list = await kube.request<{ items: NodeObject[] }>({
        method: "GET",
        path: "/api/v1/nodes",
        timeoutMs: 20_000,
      });
      for (const n of list.items)
        if (
          names.includes(n.metadata.name) &&
          !ready.has(n.metadata.name) &&
          n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        ) {
          ready.add(n.metadata.name);
          onReady(n.metadata.name);
        }
      last = `registered: ${list.items.map((n) => n.metadata.name).join(", ") || "none"}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (ready.size === names.length) return;
    if (Date.now() > deadline)
      throw new BasaltError(
        "deadline_exceeded",
        `${names.filter((n) => !ready.has(n)).join(", ")} not Ready within ${Math.round(timeoutMs / 1000)} s (${last})`,
      );
    await new Promise((r) => setTimeout(r, 3000));
  }
}
