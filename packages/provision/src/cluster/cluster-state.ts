import { BasaltError } from "@basalt/machinery";
import type { RunOwner } from "../run-owner.ts";
import type { ClusterPhase, ClusterRole } from "./cluster-plan.ts";

/**
 * The state file of one cluster (`<clusters dir>/<name>/cluster.json`): what runs for it (the host
 * process that owns the VMs and the relay, each qemu), where its nodes are reached and where its
 * files are. `cluster list` and `cluster destroy` read only this and /proc.
 */

export type ClusterStatus = "creating" | "ready" | "failed" | "destroying";

export interface ClusterNodeState {
  name: string;
  role: ClusterRole;
  /** Address on the cluster's bridge (inside the namespace). */
  ip: string;
  /** Host-side endpoint of its node API (a forward on 127.0.0.1). */
  apiEndpoint: string;
  memoryMiB: number;
  consoleLog: string;
  /** The qemu process, once started. */
  qemu?: RunOwner;
}

export interface ClusterState {
  version: 1;
  name: string;
  status: ClusterStatus;
  /** The phase running (creating) or that failed (failed). */
  phase?: ClusterPhase;
  error?: { message: string; node?: string; hint?: string };
  createdAt: string;
  /** The detached process that owns the namespace, relay and VMs. */
  host: RunOwner;
  /** The relay inside the namespace (a child of the host). */
  relay?: RunOwner;
  namespace: string;
  image: string;
  nodes: ClusterNodeState[];
  /** Host-side https endpoint of the apiserver (a forward to the control plane's :6443). */
  apiserver?: string;
  kubeconfig?: string;
  /** basaltctl client config of the cluster (an os:admin context named after it). */
  basaltconfig?: string;
  /** Seconds from the start of `create` to every Node Ready. */
  readySeconds?: number;
}

const statuses: readonly ClusterStatus[] = ["creating", "ready", "failed", "destroying"];

function isOwner(v: unknown): v is RunOwner {
  const o = v as RunOwner;
  return typeof o === "object" && o !== null && Number.isInteger(o.pid) && typeof o.startTicks === "string";
}

/** Parses and checks a state file; `path` names it in errors. */
export function parseClusterState(text: string, path: string): ClusterState {
  let doc: ClusterState;
  try {
    doc = JSON.parse(text) as ClusterState;
  } catch (err) {
    throw new BasaltError("invalid_argument", `${path} is not JSON: ${(err as Error).message}`, {
      hint: "remove the cluster's directory if it is left over from a crash",
    });
  }
  const problems: string[] = [];
  if (doc?.version !== 1) problems.push("version: expected 1");
  if (typeof doc?.name !== "string") problems.push("name: expected a string");
  if (!statuses.includes(doc?.status)) problems.push(`status: expected one of ${statuses.join(", ")}`);
  if (!isOwner(doc?.host)) problems.push("host: expected {pid, startTicks}");
  if (typeof doc?.namespace !== "string") problems.push("namespace: expected a string");
  if (!Array.isArray(doc?.nodes)) problems.push("nodes: expected a list");
  else
    doc.nodes.forEach((n, i) => {
      if (typeof n?.name !== "string" || typeof n.ip !== "string" || typeof n.apiEndpoint !== "string")
        problems.push(`nodes[${i}]: name, ip and apiEndpoint expected`);
      if (n?.qemu !== undefined && !isOwner(n.qemu))
        problems.push(`nodes[${i}].qemu: expected {pid, startTicks}`);
    });
  if (problems.length > 0)
    throw new BasaltError("invalid_argument", `${path} is not a cluster state file: ${problems.join("; ")}`);
  return doc;
}

export function renderClusterState(state: ClusterState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}
