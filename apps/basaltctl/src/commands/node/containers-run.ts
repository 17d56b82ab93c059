import { createReadStream, existsSync, statSync } from "node:fs";
import {
  ContainerLogsResponseSchema,
  ContainerService,
  ContainerStatsResponseSchema,
  ImportImageResponseSchema,
  ListContainersResponseSchema,
  ListImagesResponseSchema,
  ListPodsResponseSchema,
  RemoveImageResponseSchema,
} from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { Invocation, Row, RunCommand } from "../../cli/command.ts";
import { bytes, time } from "../../output/format.ts";
import { nodeCall } from "./node-call.ts";

// Each chunk must stay under the node's 1 MiB request limit once framed.
const importChunk = 512 * 1024;

function selector(inv: Invocation) {
  return {
    selector: {
      kubernetesOnly: inv.values.kubernetes === true,
      namespace: (inv.values.namespace as string | undefined) ?? "",
    },
  };
}

const short = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);
const truncatedRow = (truncated: boolean): Row[] =>
  truncated ? [{ NOTE: "more than the node lists in one answer; narrow with --namespace or -k" }] : [];

/** "ns/pod[/container]" → its parts. */
export function parsePodRef(ref: string | undefined): { namespace: string; pod: string; container: string } {
  const parts = (ref ?? "").split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !p)) {
    throw new BasaltError("invalid_argument", `"${ref ?? ""}" is not NAMESPACE/POD[/CONTAINER]`, {
      hint: "e.g. basaltctl logs -k kube-system/kube-proxy-abcde",
    });
  }
  return { namespace: parts[0]!, pod: parts[1]!, container: parts[2] ?? "" };
}

function tailOf(inv: Invocation): number {
  const t = inv.values.tail;
  if (t === undefined) return 0;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 0)
    throw new BasaltError("invalid_argument", "--tail must be a whole number of lines");
  return n;
}

/** `logs -k NAMESPACE/POD[/CONTAINER]`: a container's log (the `logs` command dispatches here with -k). */
export const podLogs = nodeCall({
  service: ContainerService,
  method: "containerLogs",
  output: ContainerLogsResponseSchema,
  streaming: true,
  request: (inv) => ({
    ...parsePodRef(inv.positionals[0]),
    follow: inv.values.follow === true,
    tail: tailOf(inv),
  }),
  rows: (v) => [{ LINE: v.message }],
});

const importCall = nodeCall({
  service: ContainerService,
  method: "importImage",
  output: ImportImageResponseSchema,
  mutating: true,
  streaming: true,
  longRunning: true,
  input: async function* (inv) {
    const file = inv.positionals[0]!;
    yield {
      part: {
        case: "options",
        value: {
          name: (inv.values.name as string | undefined) ?? "",
          pin: inv.values.pin === true,
          size: BigInt(statSync(file).size),
        },
      },
    };
    for await (const chunk of createReadStream(file, { highWaterMark: importChunk })) {
      yield { part: { case: "chunk", value: chunk as Buffer } };
    }
  },
  rows: (v) =>
    v.images.length
      ? v.images.map((i) => ({ IMAGE: i.name, ID: short(i.id), SIZE: bytes(i.size) }))
      : [{ PHASE: v.phase, PERCENT: v.percent, MESSAGE: v.message }],
  progress: (v) => ({ percent: v.percent, label: `${v.phase}: ${v.message}` }),
});

export const containers = nodeCall({
  service: ContainerService,
  method: "listContainers",
  output: ListContainersResponseSchema,
  request: selector,
  rows: (v) => [
    ...v.containers.map((c) => ({
      NAMESPACE: c.namespace || "-",
      POD: c.pod || "-",
      CONTAINER: c.name,
      IMAGE: c.image,
      STATE: c.state,
      RESTARTS: c.restarts,
      ID: short(c.id),
    })),
    ...truncatedRow(v.truncated),
  ],
});

export const containersStats = nodeCall({
  service: ContainerService,
  method: "containerStats",
  output: ContainerStatsResponseSchema,
  request: selector,
  rows: (v) => [
    ...v.stats.map((s) => ({
      NAMESPACE: s.namespace || "-",
      POD: s.pod || "-",
      CONTAINER: s.name,
      CPU: `${Math.round(Number(s.cpuNanoCores) / 1e6)}m`,
      "CPU TIME": `${(Number(s.cpuCoreNanoseconds) / 1e9).toFixed(2)}s`,
      MEMORY: bytes(s.memoryWorkingSetBytes),
      ID: short(s.id),
    })),
    ...truncatedRow(v.truncated),
  ],
});

export const pods = nodeCall({
  service: ContainerService,
  method: "listPods",
  output: ListPodsResponseSchema,
  request: selector,
  rows: (v) => [
    ...v.pods.map((p) => ({
      NAMESPACE: p.namespace,
      POD: p.name,
      STATE: p.state,
      KUBERNETES: p.kubernetes ? "yes" : "no",
      CREATED: time(p.created),
      ID: short(p.id),
    })),
    ...truncatedRow(v.truncated),
  ],
});

export const images = nodeCall({
  service: ContainerService,
  method: "listImages",
  output: ListImagesResponseSchema,
  rows: (v) => [
    ...v.images.map((i) => ({
      IMAGE: i.repoTags.join(",") || "<none>",
      ID: short(i.id),
      SIZE: bytes(i.size),
      PINNED: i.pinned ? "yes" : "no",
    })),
    ...truncatedRow(v.truncated),
  ],
});

export const imageRm = nodeCall({
  service: ContainerService,
  method: "removeImage",
  output: RemoveImageResponseSchema,
  mutating: true,
  request: (inv) => {
    const ref = inv.positionals[0];
    if (!ref) throw new BasaltError("invalid_argument", "which image?", { hint: "see `basaltctl images`" });
    return { ref };
  },
  rows: (v) => [{ REMOVED: v.repoTags.join(",") || v.id, ID: short(v.id) }],
});

/** Checks the archive before asking any node: a missing file is a local error, not one per node. */
export const imageImport: RunCommand = async (inv, command) => {
  const file = inv.positionals[0];
  if (!file) throw new BasaltError("invalid_argument", "which archive?", { hint: command.usage });
  if (!existsSync(file) || !statSync(file).isFile())
    throw new BasaltError("not_found", `no image archive at ${file}`, {
      hint: "an OCI archive or the output of `docker save`",
    });
  return importCall(inv, command);
};
