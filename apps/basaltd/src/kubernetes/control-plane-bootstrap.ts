import { type Kube, prepareNodeJoin } from "@basalt/kube";
import { BasaltError, type KubernetesConfig } from "@basalt/machinery";
import { type ControlPlaneService, controlPlaneServiceNames } from "./control-plane-args.ts";
import type { KubeServiceControl } from "./kube-node-ports.ts";

/**
 * Why Bootstrap must not run on this node, or undefined if it may. `marker` is the content of the
 * bootstrap marker on STATE (the date it was written), undefined when there is none.
 */
export function bootstrapRefusal(
  k8s: KubernetesConfig | undefined,
  marker: string | undefined,
): string | undefined {
  if (!k8s) return "this node has no kubernetes: section in its machine config";
  if (k8s.role !== "controlplane") return `this node is a Kubernetes ${k8s.role}, not a control-plane node`;
  if (marker !== undefined)
    return `this cluster was already bootstrapped on ${marker.trim() || "an earlier boot"}: bootstrap runs once per cluster`;
  return undefined;
}

/** One step of Bootstrap, as streamed to the caller. */
export interface BootstrapProgress {
  phase: string;
  message: string;
  done: boolean;
}

/** What starting the control plane and bootstrapping it use, injected (tests pass fakes). */
export interface ControlPlaneStartDeps {
  services: KubeServiceControl;
  sleep(ms: number): Promise<void>;
  /** How long one service may take to become healthy (ms): minutes under emulation. */
  healthWaitMs: number;
  pollMs?: number;
}

/** Waits until `name` is running and healthy, or throws with what the supervisor last saw. */
export async function waitServiceHealthy(deps: ControlPlaneStartDeps, name: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const s = deps.services.snapshot(name);
    if (s.state === "running" && s.health === "healthy") return Date.now() - started;
    if (Date.now() - started >= deps.healthWaitMs)
      throw new BasaltError(
        "deadline_exceeded",
        `${name} is ${s.state} (${s.restarts} restarts), not healthy after ${Math.round(deps.healthWaitMs / 1000)} s: ${s.healthMessage || s.events.at(-1)?.message || "no answer"}`,
        { hint: `see basaltctl logs ${name}` },
      );
    await deps.sleep(deps.pollMs ?? 1000);
  }
}

/**
 * Starts `names` in the control plane's order, each once the one before it is healthy; yields one
 * progress line per service.
 */
export async function* startControlPlaneServices(
  deps: ControlPlaneStartDeps,
  names: readonly ControlPlaneService[] = controlPlaneServiceNames,
): AsyncGenerator<BootstrapProgress> {
  for (const name of controlPlaneServiceNames.filter((n) => names.includes(n))) {
    deps.services.start(name);
    const ms = await waitServiceHealthy(deps, name);
    yield { phase: name, message: `healthy after ${(ms / 1000).toFixed(1)} s`, done: false };
  }
}

/** Everything Bootstrap does to the node and the new cluster, injected. */
export interface BootstrapDeps extends ControlPlaneStartDeps {
  k8s: KubernetesConfig;
  /** The bootstrap marker's content, undefined if there is none. */
  readMarker(): Promise<string | undefined>;
  writeMarker(text: string): Promise<void>;
  /** Whether this boot's control-plane PKI is written (a Bootstrap right after boot may come first). */
  pkiWritten(): boolean;
  /** A client with basaltd's admin identity on the apiserver (loopback). */
  kube(): Kube;
  now(): Date;
}

/**
 * Waits until the node's control-plane-pki phase has written this boot's certificates: a Bootstrap
 * sent as soon as the API answers would otherwise start etcd without its peer certificate, and etcd
 * would exit and be restarted until the files appear.
 */
async function waitPkiWritten(deps: BootstrapDeps): Promise<number> {
  const started = Date.now();
  while (!deps.pkiWritten()) {
    if (Date.now() - started >= deps.healthWaitMs)
      throw new BasaltError(
        "unavailable",
        `the control plane's certificates are not written after ${Math.round(deps.healthWaitMs / 1000)} s`,
        { hint: "basaltctl events shows the control-plane-pki phase and why it has not finished" },
      );
    await deps.sleep(deps.pollMs ?? 1000);
  }
  return Date.now() - started;
}

/**
 * Bootstraps the cluster on this control-plane node, once: etcd (a new one-member cluster) → the
 * apiserver (ready) → what joining needs (the bootstrap token Secret and the RBAC of
 * system:bootstrappers and CSR auto-approval, @basalt/kube's `prepareNodeJoin`) → the marker on
 * STATE (from now on the node starts its control plane at boot) → controller-manager and
 * scheduler. A failure before the marker leaves the node bootstrappable again (etcd keeps what it
 * has; the objects are created or replaced).
 */
export async function* bootstrapCluster(deps: BootstrapDeps): AsyncGenerator<BootstrapProgress> {
  const refusal = bootstrapRefusal(deps.k8s, await deps.readMarker());
  if (refusal)
    throw new BasaltError("failed_precondition", refusal, {
      hint: "basaltctl kubeconfig gives an admin access to the running cluster",
    });
  const waitedMs = await waitPkiWritten(deps);
  if (waitedMs > 0)
    yield {
      phase: "pki",
      message: `waited ${(waitedMs / 1000).toFixed(1)} s for this boot's certificates`,
      done: false,
    };
  yield* startControlPlaneServices(deps, ["etcd", "kube-apiserver"]);
  const joined = await prepareNodeJoin(deps.kube(), deps.k8s.bootstrapToken, {
    description: "Basalt nodes join with this token (created by basaltctl bootstrap)",
  });
  yield { phase: "bootstrap-token", message: `created ${joined.secret}`, done: false };
  yield {
    phase: "rbac",
    message: `bound system:bootstrappers and system:nodes: ${joined.clusterRoleBindings.join(", ")}`,
    done: false,
  };
  const at = deps.now().toISOString();
  await deps.writeMarker(`${at}\n`);
  yield {
    phase: "marker",
    message: `bootstrapped on ${at}: the control plane starts at every boot`,
    done: false,
  };
  yield* startControlPlaneServices(deps, ["kube-controller-manager", "kube-scheduler"]);
  yield {
    phase: "done",
    message: "the cluster answers; basaltctl kubeconfig gives an admin access",
    done: true,
  };
}

/** The label kubelet may not set on its own Node; basaltd sets it with its admin identity. */
export const controlPlaneRoleLabel = "node-role.kubernetes.io/control-plane";

/** The taint a control-plane Node registers with unless `controlPlane.schedulable`. */
export const controlPlaneTaint = { key: controlPlaneRoleLabel, effect: "NoSchedule" as const };
