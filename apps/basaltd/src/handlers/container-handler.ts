import type { ServiceImpl } from "@connectrpc/connect";
import type { ContainerService, PodSelector } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ImportImageResponseSchema } from "@basalt/api";
import { fileLines } from "../adapters/linux/file-lines.ts";
import type { DaemonContext } from "../daemon-context.ts";
import { AsyncQueue } from "../events/async-queue.ts";
import { containerRuntime } from "../containers/container-runtime.ts";
import { containerdImageStore } from "../containers/containerd-image-store.ts";
import {
  byPodThenName,
  capped,
  chooseLogContainer,
  containerInfo,
  containerStat,
  imageInfo,
  listCaps,
  podInfo,
  podMatches,
} from "../containers/cri-mapping.ts";
import { joinCriLog } from "../containers/cri-log.ts";
import { importImageArchive } from "../containers/image-import.ts";
import { normalizeImageName } from "../containers/image-names.ts";

/** An upload larger than this (bytes on the wire) is refused. */
export const maxImportBytes = 4 * 1024 ** 3;
/** Chunks larger than this are refused (the server's 1 MiB message limit applies as well). */
export const maxImportChunk = 1024 * 1024;
/** The most lines --tail may ask for (the reader also stops looking back after 32 MiB). */
const maxTail = 100_000;

type ImportAnswer = MessageInitShape<typeof ImportImageResponseSchema>;

/**
 * Pods, containers, logs, stats and images from containerd's CRI API, and image imports through
 * containerd's own API (CRI has no import). One import at a time per node.
 */
export function containerService(ctx: DaemonContext): ServiceImpl<typeof ContainerService> {
  const { socket, snapshotter } = ctx.config.containers;
  const crt = containerRuntime(socket);
  let importing: string | undefined;

  async function podsAndContainers() {
    const [pods, containers] = await Promise.all([
      crt.runtime.listPodSandbox({}),
      crt.runtime.listContainers({}),
    ]);
    return { pods: pods.items, containers: containers.containers };
  }

  async function selectedContainers(selector: PodSelector | undefined) {
    const { pods, containers } = await podsAndContainers();
    const byId = new Map(pods.map((p) => [p.id, p]));
    return containers
      .map((c) => ({ c, info: containerInfo(c, byId.get(c.podSandboxId)) }))
      .filter(({ info }) =>
        podMatches({ kubernetes: info.kubernetes, namespace: info.namespace, name: info.pod }, selector),
      );
  }

  return {
    async listPods(req) {
      const { items } = await crt.runtime.listPodSandbox({});
      const pods = items.map(podInfo).filter((p) => podMatches(p, req.selector));
      const { items: shown, truncated } = capped(pods, listCaps.pods, (a, b) =>
        byPodThenName(
          { namespace: a.namespace, pod: a.name, name: "" },
          { namespace: b.namespace, pod: b.name, name: "" },
        ),
      );
      return { pods: shown, truncated };
    },

    async listContainers(req) {
      const all = (await selectedContainers(req.selector)).map((x) => x.info);
      const { items, truncated } = capped(all, listCaps.containers, byPodThenName);
      return { containers: items, truncated };
    },

    async containerStats(req) {
      const selected = await selectedContainers(req.selector);
      const infos = new Map(selected.map(({ info }) => [info.id, info]));
      const { stats } = await crt.runtime.listContainerStats({});
      const rows = stats
        .filter((s) => infos.has(s.attributes?.id ?? ""))
        .map((s) => containerStat(s, infos.get(s.attributes?.id ?? "")));
      const { items, truncated } = capped(rows, listCaps.containers, byPodThenName);
      return { stats: items, truncated };
    },

    async *containerLogs(req, call) {
      if (!req.namespace || !req.pod) {
        throw new BasaltError("invalid_argument", "which pod? give its namespace and name", {
          hint: "basaltctl logs -k NAMESPACE/POD[/CONTAINER]",
        });
      }
      if (req.tail > maxTail) throw new BasaltError("invalid_argument", `--tail may be at most ${maxTail}`);
      const { pods, containers } = await podsAndContainers();
      const chosen = chooseLogContainer(pods, containers, req);
      const status = await crt.runtime.containerStatus({ containerId: chosen.id });
      const path = status.status?.logPath;
      const name = chosen.metadata?.name ?? "";
      if (!path)
        throw new BasaltError(
          "not_found",
          `container ${name} of ${req.namespace}/${req.pod} has no log file`,
        );
      try {
        for await (const line of joinCriLog(
          fileLines(path, { tail: req.tail, follow: req.follow, signal: call.signal }),
        )) {
          yield {
            time: timestampFromMs(line.timeMs),
            stream: line.stream,
            message: line.message,
            container: name,
          };
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT")
          throw new BasaltError(
            "not_found",
            `the log file of ${req.namespace}/${req.pod}/${name} is gone (${path})`,
            {
              hint: "the container was removed or its log rotated away",
            },
          );
        throw err;
      }
    },

    async listImages() {
      const { images } = await crt.images.listImages({});
      const { items, truncated } = capped(images.map(imageInfo), listCaps.images, (a, b) =>
        (a.repoTags[0] ?? a.id).localeCompare(b.repoTags[0] ?? b.id),
      );
      return { images: items, truncated };
    },

    async removeImage(req) {
      if (!req.ref) throw new BasaltError("invalid_argument", "which image? give a name or an id");
      const ref = /^(sha256:)?[0-9a-f]{64}$/.test(req.ref)
        ? req.ref.startsWith("sha256:")
          ? req.ref
          : `sha256:${req.ref}`
        : normalizeImageName(req.ref);
      const { image } = await crt.images.imageStatus({ image: { image: ref } });
      if (!image) {
        throw new BasaltError("not_found", `no image ${req.ref} on this node`, {
          hint: "see `basaltctl images`",
        });
      }
      await crt.images.removeImage({ image: { image: image.id } });
      ctx.events.publish(
        "image",
        image.repoTags[0] ?? image.id,
        `removed image ${image.repoTags.join(", ") || image.id}`,
      );
      return { id: image.id, repoTags: image.repoTags };
    },

    async *importImage(reqs) {
      const iterator = reqs[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.part.case !== "options") {
        throw new BasaltError("invalid_argument", "the first message of an import must carry the options");
      }
      const options = first.value.part.value;
      if (importing) {
        throw new BasaltError(
          "resource_exhausted",
          `an image import is already running on this node: ${importing}`,
          {
            hint: "imports run one at a time per node; try again when it is done",
          },
        );
      }
      const what = `${options.name || "archive"} (started ${new Date().toISOString()})`;
      importing = what;
      const total = Number(options.size);
      let received = 0;
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          if (next.value.part.case !== "chunk") continue;
          const chunk = next.value.part.value;
          if (chunk.length > maxImportChunk)
            throw new BasaltError(
              "invalid_argument",
              `a chunk of ${chunk.length} bytes exceeds ${maxImportChunk}`,
            );
          received += chunk.length;
          if (received > maxImportBytes)
            throw new BasaltError(
              "resource_exhausted",
              `the archive exceeds the ${maxImportBytes}-byte import limit`,
            );
          yield chunk;
        }
      }
      const queue = new AsyncQueue<ImportAnswer>({ limit: 64 });
      let lastShown = { phase: "", percent: -1, message: "" };
      const store = containerdImageStore(socket, { snapshotter });
      const run = importImageArchive(store, chunks(), {
        name: options.name || undefined,
        pinned: options.pin,
        maxBytes: maxImportBytes * 4,
        onProgress: (p) => {
          const percent = total > 0 ? Math.min(99, Math.floor((received / total) * 100)) : 0;
          // One answer per percent (or per step while unpacking), not one per chunk.
          if (
            p.phase === lastShown.phase &&
            percent === lastShown.percent &&
            (p.phase === "receiving" || p.message === lastShown.message)
          )
            return;
          lastShown = { phase: p.phase, percent, message: p.message };
          if (p.phase !== "done")
            queue.push({ phase: p.phase, percent, bytes: BigInt(received), message: p.message });
        },
      }).then(
        (images) => {
          ctx.events.publish(
            "image",
            images[0]?.name ?? "",
            `imported ${images.map((i) => i.name).join(", ")}${options.pin ? " (pinned)" : ""}`,
          );
          queue.push({
            phase: "done",
            percent: 100,
            bytes: BigInt(received),
            message: `imported ${images.map((i) => i.name).join(", ")}`,
            images: images.map((i) => ({ ...i, size: BigInt(i.size) })),
          });
          queue.end();
        },
        (err: unknown) => {
          ctx.events.publish(
            "image",
            options.name || "archive",
            `image import failed: ${(err as Error).message}`,
          );
          queue.end(err);
        },
      );
      try {
        for await (const answer of queue) yield answer;
        await run;
      } finally {
        importing = undefined;
        store.close();
      }
    },
  };
}
