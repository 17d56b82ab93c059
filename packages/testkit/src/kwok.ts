import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { listAll } from "@basalt/kube";
import type { Component } from "./component.ts";
import type { ControlPlane } from "./control-plane.ts";
import { freePort } from "./net.ts";
import { crashSignal } from "./readiness.ts";
import { waitFor } from "./wait-for.ts";

/** The annotation kwok is told to manage Nodes by (`--manage-nodes-with-annotation-selector`). */
export const kwokNodeAnnotation = { key: "kwok.x-k8s.io/node", value: "fake" } as const;

/**
 * Pod annotation (a Go duration such as "2s") that delays when kwok makes the Pod Ready; without
 * it a Pod is Ready as soon as it is bound. Lets a test hold a window in which a Pod is not Ready.
 */
export const kwokPodReadyDelayAnnotation = "pod-ready.stage.kwok.x-k8s.io/delay";

/** The Stage documents kwok v0.8.0 needs (it has none built in); see tools/k8s/kwok-stages.sh. */
export const kwokStagesPath = join(import.meta.dirname, "..", "kwok", "stages.yaml");

/** Options of `startKwok`. */
export interface KwokOptions {
  /**
   * Node Lease duration kwok renews for its Nodes, every quarter of it, like a kubelet; default 40 s
   * (kubelet's default). The node lifecycle controller marks a Node NotReady when it lapses.
   */
  nodeLeaseDurationSeconds?: number;
  /**
   * Workers per kind of work (node stages, pod stages, node leases); default 16. kwok's own 4 left
   * 1000 new Nodes NotReady for twice as long as creating them took, here.
   */
  parallelism?: number;
  /**
   * Pod IPs kwok hands out; default 10.244.0.0/16. kwok's own default, 10.0.0.0/24, is only 256
   * addresses and overlaps the control plane's default Service range.
   */
  podCidr?: string;
  /** Stage documents; default the vendored fast set (`kwokStagesPath`). */
  stagesPath?: string;
  extraArgs?: readonly string[];
  /** Give up waiting for kwok's /healthz after this long; default 30 s. */
  startTimeoutMs?: number;
}

/** A running kwok, owned by its control plane (stopped by `cp.stop()` before the apiserver). */
export interface Kwok {
  readonly component: Component;
  /** Stops kwok alone: its Nodes stop heartbeating and go NotReady after the lease duration. */
  stop(): Promise<void>;
}

/**
 * Starts kwok against `cp`, managing only Nodes annotated `kwok.x-k8s.io/node=fake` (made by
 * `createKwokNodes`), so a test can add simulated Nodes next to real kubelets. Pods bound to those
 * Nodes become Running and Ready, and are removed once deleted, as a kubelet would do. Resolves when
 * kwok's controllers run (its /healthz answers).
 */
export async function startKwok(cp: ControlPlane, options: KwokOptions = {}): Promise<Kwok> {
  const port = await freePort();
  const parallelism = options.parallelism ?? 16;
  // Options kwok has no flags for go into a KwokConfiguration document next to the stages.
  const configPath = join(cp.dir, "kwok-configuration.yaml");
  writeFileSync(
    configPath,
    [
      "apiVersion: config.kwok.x-k8s.io/v1alpha1",
      "kind: KwokConfiguration",
      "options:",
      `  nodePlayStageParallelism: ${parallelism}`,
      `  podPlayStageParallelism: ${parallelism}`,
      `  nodeLeaseParallelism: ${parallelism}`,
      "",
    ].join("\n"),
  );
  const component = cp.startComponent("kwok", join(cp.binDir, "kwok"), [
    `--kubeconfig=${cp.kubeconfigPath}`,
    "--manage-all-nodes=false",
    `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation.key}=${kwokNodeAnnotation.value}`,
    `--node-lease-duration-seconds=${options.nodeLeaseDurationSeconds ?? 40}`,
    `--config=${configPath}`,
    `--config=${options.stagesPath ?? kwokStagesPath}`,
    `--server-address=127.0.0.1:${port}`,
    `--cidr=${options.podCidr ?? "10.244.0.0/16"}`,
    ...(options.extraArgs ?? []),
  ]);
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok,
    options.startTimeoutMs ?? 30_000,
    "kwok /healthz",
    { signal: crashSignal([component]), intervalMs: 100 },
  );
  return { component, stop: () => component.stop() };
}

/** Options of `createKwokNodes`. */
export interface KwokNodesOptions {
  /** Names are `<namePrefix><index>`, index from 0; default `kwok-node-`. */
  namePrefix?: string;
  /** Extra labels on every Node. */
  labels?: Record<string, string>;
  /** Spread over these values of `topology.kubernetes.io/zone`, round-robin. Default: no zone label. */
  zones?: readonly string[];
  /** Extra annotations on every Node (e.g. a simulated node's starting state). */
  annotations?: Record<string, string>;
  /** Requests in flight at once; default 32. */
  concurrency?: number;
}

/** The fields of a Node that kwok helpers write and read. */
export interface KwokNodeObject {
  apiVersion: "v1";
  kind: "Node";
  metadata: { name: string; annotations: Record<string, string>; labels: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: { key: string; effect: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** The Node object `createKwokNodes` creates for index `i`: kwok-managed, labelled like a kubelet would. */
export function kwokNode(i: number, options: KwokNodesOptions = {}): KwokNodeObject {
  const name = `${options.namePrefix ?? "kwok-node-"}${i}`;
  const zone = options.zones?.length ? options.zones[i % options.zones.length] : undefined;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: {
        [kwokNodeAnnotation.key]: kwokNodeAnnotation.value,
        "node.alpha.kubernetes.io/ttl": "0",
        ...options.annotations,
      },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
        ...(zone ? { "topology.kubernetes.io/zone": zone } : {}),
        ...options.labels,
      },
    },
  };
}

/**
 * Creates `count` Nodes for kwok to manage (see `kwokNode`) and returns their names. They are
 * registered when this resolves, not yet Ready: wait with `waitForNodesReady`.
 */
export async function createKwokNodes(
  cp: ControlPlane,
  count: number,
  options: KwokNodesOptions = {},
): Promise<string[]> {
  const names: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const node = kwokNode(next++, options);
      await cp.kube.request({ method: "POST", path: "/api/v1/nodes", body: node });
      names.push(node.metadata.name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 32, count) }, worker));
  return names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/** Whether a Node's Ready condition is True. */
export function isNodeReady(node: Pick<KwokNodeObject, "status">): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/**
 * Whether the scheduler would place Pods on a Node now: Ready, not cordoned, and without the
 * NoSchedule/NoExecute taints the node lifecycle controller puts on new Nodes until it has seen
 * them Ready (`node.kubernetes.io/not-ready`), which lag the Ready condition by a moment.
 */
export function isNodeSchedulable(node: Pick<KwokNodeObject, "spec" | "status">): boolean {
  return (
    isNodeReady(node) &&
    node.spec?.unschedulable !== true &&
    !(node.spec?.taints ?? []).some((t) => t.effect === "NoSchedule" || t.effect === "NoExecute")
  );
}

/**
 * Waits until every Node in `names` reports Ready (or, with `schedulable`, is also free of
 * scheduling taints: see `isNodeSchedulable`; wait for that before creating workloads whose
 * placement a test checks). Lists Nodes (by `labelSelector`, default the `type=kwok` label kwok
 * Nodes carry) every `intervalMs`.
 */
export async function waitForNodesReady(
  cp: ControlPlane,
  names: readonly string[],
  timeoutMs: number,
  options: { labelSelector?: string; intervalMs?: number; schedulable?: boolean } = {},
): Promise<void> {
  const wanted = new Set(names);
  let ready = 0;
  await waitFor(
    async () => {
      const ok = options.schedulable ? isNodeSchedulable : isNodeReady;
      const nodes = await listAll(
        cp.kube,
        { path: "/api/v1/nodes", labelSelector: options.labelSelector ?? "type=kwok" },
        (raw) => raw as KwokNodeObject,
      );
      ready = nodes.filter((n) => wanted.has(n.metadata.name) && ok(n)).length;
      return ready === wanted.size;
    },
    timeoutMs,
    () => `${wanted.size} Nodes ${options.schedulable ? "schedulable" : "Ready"} (last count: ${ready})`,
    { intervalMs: options.intervalMs ?? 250 },
  );
}
