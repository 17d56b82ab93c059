import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { KubeClient, loadKubeconfig } from "@basalt/kube";
import { Component, k8sBinDir } from "@basalt/testkit";
import type { CreatedCluster } from "./created-cluster.ts";
import { type Kubectl, kubectlRunner, run } from "./kubectl.ts";

/** A Basalt worker of the cluster, managed only through basaltctl. */
export interface RolloutNode {
  /** Its Node name (the VM's hostname). */
  name: string;
  /** Its address on the cluster network (its Node's InternalIP). */
  ip: string;
  /** basaltctl against this node only. */
  ctl(args: readonly string[]): Promise<string>;
}

/** The cluster a rolling-upgrade case runs on, as one interface, so the cases need not know its source. */
export interface RolloutCluster {
  /** The Basalt worker nodes, named as their Nodes are. */
  workers: RolloutNode[];
  kubectl: Kubectl;
  /** Admin client of the apiserver, from this process (host side). */
  kube: KubeClient;
  /** Admin kubeconfig for programs on the host (kubectl, basaltctl rollout). */
  adminKubeconfig: string;
  /** The apiserver as programs inside the cluster network reach it, and its CA (PEM). */
  internalServer: string;
  caCert: string;
  /** An address inside the cluster network where a program started by `runInside` can listen for the nodes. */
  serviceAddress: string;
  /** `basaltctl gen secrets` output: the node API CA, to issue client identities from. */
  secretsPath: string;
  workDir: string;
  /** Starts a program inside the cluster network (what a pod would be); `stop` ends it. */
  runInside(name: string, command: string, args: readonly string[]): Component;
  /** basaltctl with an admin client config for every node. */
  ctl(args: readonly string[]): Promise<string>;
  /** Where the logs of the programs run inside are kept. */
  logsDir: string;
  /** Stops the programs started inside (the cluster itself stays: its owner destroys it). */
  stop(): Promise<void>;
}

export interface RolloutSettings {
  /** Release public keys the workers trust for upgrades (a created cluster's nodes trust none yet). */
  trustedKeys: readonly string[];
  /** How long a new OS version has to become healthy before the node reboots (then falls back). */
  healthDeadlineSeconds: number;
}

/** The host-side address of the cluster's bridge: the namespace's own address on the nodes' subnet. */
async function bridgeAddress(namespace: string, nodeIp: string): Promise<string> {
  const links = JSON.parse(await run(["ip", "netns", "exec", namespace, "ip", "-j", "-4", "addr"], 10_000));
  const net = (ip: string, prefix: number) =>
    ip.split(".").reduce((n, p) => n * 256 + Number(p), 0) >>> (32 - prefix);
  for (const link of links as { addr_info: { local: string; prefixlen: number }[] }[])
    for (const a of link.addr_info)
      if (a.local !== "127.0.0.1" && net(a.local, a.prefixlen) === net(nodeIp, a.prefixlen)) return a.local;
  throw new Error(`no address of namespace ${namespace} is on the subnet of ${nodeIp}`);
}

/**
 * The update settings a rollout needs, through the config API as an operator sets them on a running
 * cluster: the release key live (`update.trustedKeys` is read by the next upgrade), the health
 * deadline staged (the boot guard reads it at boot, and the upgrade's reboot is that boot).
 * Order matters: a live change after a staged one would replace the staged config.
 */
export async function applyRolloutSettings(c: CreatedCluster, nodes: string, s: RolloutSettings) {
  const live = await c.nodeCtl(nodes, [
    "config",
    "patch",
    "--merge",
    JSON.stringify({ update: { trustedKeys: s.trustedKeys } }),
    "-o",
    "json",
  ]);
  const staged = await c.nodeCtl(nodes, [
    "config",
    "patch",
    "--merge",
    JSON.stringify({ update: { healthDeadlineSeconds: s.healthDeadlineSeconds } }),
    "--mode",
    "staged",
    "-o",
    "json",
  ]);
  const lines = (out: string) =>
    out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
  return { live: lines(live), staged: lines(staged) };
}

/**
 * A rollout cluster over a cluster of `basaltctl cluster create`: its kubeconfig (the apiserver
 * forward on the host), its workers from cluster.json, its secrets.yaml, and programs "inside" run
 * under `ip netns exec <its namespace>`, where the bridge address reaches every node.
 */
export async function createdRolloutCluster(c: CreatedCluster): Promise<RolloutCluster> {
  const state = c.state();
  const cp = state.nodes.find((n) => n.role === "controlplane")!;
  const kubeconfig = loadKubeconfig(c.kubeconfig);
  const caCert = kubeconfig.ca ?? "";
  const logsDir = join(c.workDir, "inside");
  mkdirSync(logsDir, { recursive: true });
  const inside: Component[] = [];
  return {
    workers: state.nodes
      .filter((n) => n.role === "worker")
      .map((n) => ({ name: n.name, ip: n.ip, ctl: (args) => c.nodeCtl(n.name, args, 600_000) })),
    kubectl: kubectlRunner(await k8sBinDir(), c.kubeconfig),
    kube: new KubeClient(kubeconfig),
    adminKubeconfig: c.kubeconfig,
    internalServer: `https://${cp.ip}:6443`,
    caCert,
    serviceAddress: await bridgeAddress(state.namespace, cp.ip),
    secretsPath: c.secretsPath,
    workDir: c.workDir,
    logsDir,
    runInside(name, command, args) {
      const component = new Component({
        name,
        command,
        args,
        wrap: ["ip", "netns", "exec", state.namespace],
        logPath: join(logsDir, `${name}.log`),
      });
      inside.push(component);
      return component;
    },
    ctl: (args) => c.ctl(["--context", c.name, "--timeout", "300s", ...args], 900_000),
    async stop() {
      await Promise.all(inside.map((p) => p.stop()));
    },
  };
}
