import { create } from "@bufbuild/protobuf";
import { type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { ContainerInfo, ContainerStat, ImageInfo, PodInfo, PodSelector } from "@basalt/api";
import { cri } from "@basalt/api/cri";
import { BasaltError } from "@basalt/machinery";

/** Answers carry at most this many pods, containers, stats or images (`truncated` says more matched). */
export const listCaps = { pods: 1000, containers: 2000, images: 1000 } as const;

/** Labels kubelet puts on every sandbox and container it creates. */
export const kubeletLabels = {
  podName: "io.kubernetes.pod.name",
  podNamespace: "io.kubernetes.pod.namespace",
  podUid: "io.kubernetes.pod.uid",
  containerName: "io.kubernetes.container.name",
  restartCount: "io.kubernetes.container.restartCount",
} as const;

type Plain<T> = Omit<T, "$typeName" | "$unknown">;

/** CRI times are nanoseconds since the epoch. */
export function timestampFromNanos(ns: bigint): Timestamp {
  return create(TimestampSchema, { seconds: ns / 1_000_000_000n, nanos: Number(ns % 1_000_000_000n) });
}

/** A sandbox made by kubelet carries the pod's uid label; one made directly through CRI does not. */
export function isKubernetesPod(pod: cri.PodSandbox): boolean {
  return Boolean(pod.labels[kubeletLabels.podUid]);
}

const podStates: Record<cri.PodSandboxState, string> = {
  [cri.PodSandboxState.SANDBOX_READY]: "ready",
  [cri.PodSandboxState.SANDBOX_NOTREADY]: "notready",
};

const containerStates: Record<cri.ContainerState, string> = {
  [cri.ContainerState.CONTAINER_CREATED]: "created",
  [cri.ContainerState.CONTAINER_RUNNING]: "running",
  [cri.ContainerState.CONTAINER_EXITED]: "exited",
  [cri.ContainerState.CONTAINER_UNKNOWN]: "unknown",
};

export function podInfo(pod: cri.PodSandbox): Plain<PodInfo> {
  return {
    id: pod.id,
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    uid: pod.metadata?.uid ?? "",
    state: podStates[pod.state] ?? "unknown",
    created: timestampFromNanos(pod.createdAt),
    kubernetes: isKubernetesPod(pod),
    attempt: pod.metadata?.attempt ?? 0,
    runtimeHandler: pod.runtimeHandler,
  };
}

/** kubelet's restart count (an annotation) is what `kubectl get pods` shows; else CRI's attempt. */
export function restartsOf(c: {
  annotations: Record<string, string>;
  metadata?: { attempt: number };
}): number {
  const n = Number(c.annotations[kubeletLabels.restartCount]);
  return Number.isInteger(n) && n >= 0 ? n : (c.metadata?.attempt ?? 0);
}

export function containerInfo(c: cri.Container, pod: cri.PodSandbox | undefined): Plain<ContainerInfo> {
  return {
    id: c.id,
    podId: c.podSandboxId,
    namespace: pod?.metadata?.namespace ?? c.labels[kubeletLabels.podNamespace] ?? "",
    pod: pod?.metadata?.name ?? c.labels[kubeletLabels.podName] ?? "",
    name: c.metadata?.name ?? "",
    image: c.image?.userSpecifiedImage || c.image?.image || c.imageRef,
    imageRef: c.imageRef,
    state: containerStates[c.state] ?? "unknown",
    restarts: restartsOf(c),
    created: timestampFromNanos(c.createdAt),
    kubernetes: pod ? isKubernetesPod(pod) : Boolean(c.labels[kubeletLabels.podUid]),
  };
}

export function imageInfo(i: cri.Image): Plain<ImageInfo> {
  return { id: i.id, repoTags: i.repoTags, repoDigests: i.repoDigests, size: i.size, pinned: i.pinned };
}

export function containerStat(
  s: cri.ContainerStats,
  container: Plain<ContainerInfo> | undefined,
): Plain<ContainerStat> {
  const cpu = s.cpu;
  const memory = s.memory;
  // Both samples come from the same stats call; either time stands for it.
  const newest = cpu?.timestamp || memory?.timestamp || 0n;
  return {
    id: s.attributes?.id ?? "",
    namespace: container?.namespace ?? "",
    pod: container?.pod ?? "",
    name: s.attributes?.metadata?.name ?? container?.name ?? "",
    cpuNanoCores: cpu?.usageNanoCores?.value ?? 0n,
    cpuCoreNanoseconds: cpu?.usageCoreNanoSeconds?.value ?? 0n,
    memoryWorkingSetBytes: memory?.workingSetBytes?.value ?? 0n,
    memoryUsageBytes: memory?.usageBytes?.value ?? 0n,
    time: newest ? timestampFromNanos(newest) : undefined,
  };
}

/** Does this pod pass the selector? */
export function podMatches(
  pod: Pick<PodInfo, "kubernetes" | "namespace" | "name">,
  selector: Partial<PodSelector> | undefined,
): boolean {
  if (!selector) return true;
  if (selector.kubernetesOnly && !pod.kubernetes) return false;
  if (selector.namespace && pod.namespace !== selector.namespace) return false;
  if (selector.pod && pod.name !== selector.pod) return false;
  return true;
}

/** The first `cap` items, sorted, and whether more matched. */
export function capped<T>(
  items: T[],
  cap: number,
  order: (a: T, b: T) => number,
): { items: T[]; truncated: boolean } {
  const sorted = [...items].sort(order);
  return { items: sorted.slice(0, cap), truncated: sorted.length > cap };
}

export const byPodThenName = (
  a: { namespace: string; pod: string; name: string },
  b: { namespace: string; pod: string; name: string },
) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod) || a.name.localeCompare(b.name);

/**
 * Which container's log to read for NAMESPACE/POD[/CONTAINER]: the pod's sandboxes with that name
 * (newest first), then the named container (or the pod's only one), preferring a running one and
 * then the newest attempt. Every miss says what does exist.
 */
export function chooseLogContainer(
  pods: readonly cri.PodSandbox[],
  containers: readonly cri.Container[],
  want: { namespace: string; pod: string; container: string },
): cri.Container {
  const ref = `${want.namespace}/${want.pod}`;
  const sandboxes = pods.filter(
    (p) => p.metadata?.namespace === want.namespace && p.metadata?.name === want.pod,
  );
  if (!sandboxes.length) {
    const inNamespace = pods
      .filter((p) => p.metadata?.namespace === want.namespace)
      .map((p) => p.metadata?.name ?? "");
    throw new BasaltError("not_found", `no pod ${ref} on this node`, {
      hint: inNamespace.length
        ? `pods in ${want.namespace}: ${[...new Set(inNamespace)].slice(0, 20).join(", ")}`
        : "see `basaltctl containers` for the pods this node runs",
    });
  }
  const ids = new Set(sandboxes.map((p) => p.id));
  const inPod = containers.filter((c) => ids.has(c.podSandboxId));
  const names = [...new Set(inPod.map((c) => c.metadata?.name ?? ""))].sort();
  let name = want.container;
  if (!name) {
    if (names.length !== 1) {
      throw new BasaltError(
        names.length ? "invalid_argument" : "not_found",
        names.length
          ? `pod ${ref} has ${names.length} containers: say which`
          : `pod ${ref} has no containers yet`,
        { hint: names.length ? `use ${ref}/CONTAINER with one of: ${names.join(", ")}` : undefined },
      );
    }
    name = names[0]!;
  }
  const candidates = inPod
    .filter((c) => c.metadata?.name === name)
    .sort(
      (a, b) =>
        Number(b.state === cri.ContainerState.CONTAINER_RUNNING) -
          Number(a.state === cri.ContainerState.CONTAINER_RUNNING) ||
        (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0) ||
        Number(b.createdAt - a.createdAt),
    );
  const chosen = candidates[0];
  if (!chosen) {
    throw new BasaltError("not_found", `pod ${ref} has no container ${name}`, {
      hint: names.length ? `its containers: ${names.join(", ")}` : undefined,
    });
  }
  return chosen;
}
