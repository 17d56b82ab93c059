import { homedir } from "node:os";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";

/**
 * The pure part of `basaltctl cluster create`: which VMs a cluster has, how much memory each gets,
 * and the phases it goes through, decided before anything runs.
 */

export type ClusterRole = "controlplane" | "worker";

export interface ClusterNodePlan {
  name: string;
  role: ClusterRole;
  memoryMiB: number;
  cpus: number;
  /** Host niceness of its qemu: the control plane's 0, the workers' `workerNice`. */
  nice: number;
}

/** Phases of a create, in order; progress and failures name them. */
export const clusterPhases = [
  "image",
  "secrets",
  "network",
  "boot",
  "bootstrap",
  "kubeconfig",
  "nodes-ready",
] as const;
export type ClusterPhase = (typeof clusterPhases)[number];

export interface ClusterPlan {
  name: string;
  nodes: ClusterNodePlan[];
  phases: readonly ClusterPhase[];
  /** Short id naming the network namespace (`basalt-<id>`). */
  namespaceId: string;
}

/** etcd, the apiserver, controller-manager and scheduler plus kubelet want more than a worker (≥ 2.5 GiB). */
export const controlPlaneMemoryMiB = 2560;
export const workerMemoryMiB = 1536;
/**
 * One vCPU for the control plane too. Two (qemu runs them as two host threads) made the apiserver
 * ready in 155 s instead of 235 s, but in one of two control-plane reboots under TCG the VM never
 * came back: after "reboot: Restarting system" it spun at 100% of a host core with no firmware
 * output for 6 minutes (OVMF bringing up the second vCPU after a warm reset, we think). A node that
 * does not come back from a reboot is worse than a slow one.
 */
export const controlPlaneCpus = 1;
/**
 * Workers' qemu runs at this host niceness. Everything in a cluster waits on the control plane, and
 * on a 2-core host without KVM three emulated VMs starved it: its apiserver was ready 235 s after
 * boot with the host otherwise idle, but after ~11 minutes with the workers booting and their
 * kubelets retrying beside it, and once never. At niceness 10 (weight 110 against 1024) a worker
 * takes what the control plane leaves, so the control plane keeps a host core whenever it wants one.
 */
export const workerNice = 10;
export const maxWorkers = 8;

const clusterName = /^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/;

/** Checks a cluster name: it names VMs (`<name>-cp`, `<name>-w1`), a state directory and a namespace. */
export function checkClusterName(name: string): string {
  if (!clusterName.test(name))
    throw new BasaltError("invalid_argument", `cluster name "${name}" is not a short lowercase name`, {
      hint: "1–20 of a-z, 0-9 and -, starting and ending with a letter or digit (e.g. basalt)",
    });
  return name;
}

/** One control-plane VM and `workers` worker VMs, named after the cluster. */
export function planCluster(request: { name: string; workers: number }): ClusterPlan {
  const name = checkClusterName(request.name);
  const { workers } = request;
  if (!Number.isInteger(workers) || workers < 0 || workers > maxWorkers)
    throw new BasaltError("invalid_argument", `--workers ${workers}: expected 0 to ${maxWorkers}`, {
      hint: "each worker is a 1.5 GiB qemu VM",
    });
  const nodes: ClusterNodePlan[] = [
    {
      name: `${name}-cp`,
      role: "controlplane",
      memoryMiB: controlPlaneMemoryMiB,
      cpus: controlPlaneCpus,
      nice: 0,
    },
    ...Array.from({ length: workers }, (_, i) => ({
      name: `${name}-w${i + 1}`,
      role: "worker" as const,
      memoryMiB: workerMemoryMiB,
      cpus: 1,
      nice: workerNice,
    })),
  ];
  // The namespace name must stay within IFNAMSIZ-ish limits of `ip netns`: a short hash of the name.
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return { name, nodes, phases: clusterPhases, namespaceId: `c${h.toString(16).padStart(8, "0")}` };
}

/** Where clusters keep their state: `$XDG_STATE_HOME/basalt/clusters` (default ~/.local/state/basalt/clusters). */
export function defaultClustersDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(base, "basalt", "clusters");
}
