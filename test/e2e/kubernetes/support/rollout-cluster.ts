import { join } from "node:path";
import type { KubeClient } from "@basalt/kube";
import type { MachineConfigInput } from "@basalt/machinery";
import type { Component } from "@basalt/testkit";
import type { Kubectl } from "./kubectl.ts";
import { startK8sLab, type Worker } from "./lab.ts";

/**
 * The cluster a rolling-upgrade test runs on, as one interface, so the source can change without the
 * test: today the lab (a testkit control plane in a network namespace, Basalt worker VMs of the
 * `kubernetes` image under TCG joined to it); later a cluster made by `basaltctl cluster create`.
 */
export interface RolloutCluster {
  /** The Basalt worker nodes, named as their Nodes are. */
  workers: Worker[];
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
  /** Starts a program inside the cluster network (what a pod would be); stopped with the cluster. */
  runInside(name: string, command: string, args: readonly string[]): Component;
  /** basaltctl with an admin client config for every node. */
  ctl(args: readonly string[]): Promise<string>;
  markFailed(): void;
  stop(): Promise<void>;
}

export interface RolloutClusterOptions {
  workers: readonly string[];
  /** Release public keys the nodes trust for upgrades. */
  trustedKeys: readonly string[];
  /** How long a new OS version has to become healthy before the node reboots (then falls back). */
  healthDeadlineSeconds: number;
  log: (line: string) => void;
}

/** A rollout cluster on the lab: `startK8sLab` with the update settings in every worker's config. */
export async function labRolloutCluster(o: RolloutClusterOptions): Promise<RolloutCluster> {
  const lab = await startK8sLab({
    workers: o.workers.map((name) => ({ name })),
    log: o.log,
    configure: (config: MachineConfigInput) => ({
      ...config,
      update: {
        ...(config.update ?? {}),
        trustedKeys: [...o.trustedKeys],
        healthDeadlineSeconds: o.healthDeadlineSeconds,
      },
    }),
  });
  const cp = lab.cluster.controlPlane!;
  return {
    workers: o.workers.map((n) => lab.worker(n)),
    kubectl: lab.kubectl,
    kube: cp.kube,
    adminKubeconfig: cp.kubeconfigPath,
    internalServer: cp.internalServer,
    caCert: cp.caCert,
    serviceAddress: lab.cluster.network.plan.bridge.ip,
    secretsPath: join(lab.workDir, "secrets.yaml"),
    workDir: lab.workDir,
    runInside: (name, command, args) => cp.startComponent(name, command, args),
    ctl: (args) => lab.ctl(args),
    markFailed: () => lab.markFailed(),
    stop: () => lab.stop(),
  };
}
