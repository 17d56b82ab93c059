import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import {
  containerdContent,
  containerdDiff,
  containerdImages,
  containerdLeases,
  containerdSnapshots,
} from "@basalt/api/cri";
import { fromConnectError } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { unixGrpcTransport } from "../adapters/linux/unix-grpc-transport.ts";
import { explainErrors } from "./container-runtime.ts";
import { type Descriptor, type ImageStore, uniqueRef } from "./image-import.ts";

/** containerd keeps CRI's images, containers and snapshots in this namespace. */
export const criNamespace = "k8s.io";
/** Bytes per content Write message (containerd accepts up to 16 MiB per message). */
const writeChunk = 1024 * 1024;
/** A lease left behind by a crashed import expires after this. */
const leaseTtlMs = 60 * 60 * 1000;

export interface ContainerdImageStore extends ImageStore {
  close(): void;
}

/**
 * An ImageStore on containerd's own gRPC API (content, snapshots, diff, images, leases) in the
 * CRI namespace: what `ctr -n k8s.io images import` does, without shelling out. CRI has no import
 * call, and the CRI plugin sees an image as soon as its record is created here.
 */
export function containerdImageStore(
  socket: string,
  options: { namespace?: string; snapshotter?: string } = {},
): ContainerdImageStore {
  const namespace = options.namespace ?? criNamespace;
  const snapshotter = options.snapshotter ?? "overlayfs";
  let lease: string | undefined;
  const headers: Interceptor = (next) => (req) => {
    req.header.set("containerd-namespace", namespace);
    if (lease) req.header.set("containerd-lease", lease);
    return next(req);
  };
  const { transport, close } = unixGrpcTransport(socket, { interceptors: [explainErrors(socket), headers] });
  const content: Client<typeof containerdContent.Content> = createClient(
    containerdContent.Content,
    transport,
  );
  const snapshots = createClient(containerdSnapshots.Snapshots, transport);
  const diff = createClient(containerdDiff.Diff, transport);
  const images = createClient(containerdImages.Images, transport);
  const leases = createClient(containerdLeases.Leases, transport);
  const isCode = (err: unknown, code: string) => fromConnectError(err).code === code;

  return {
    snapshotter,
    close,
    async withLease(fn) {
      if (lease) return fn();
      const id = uniqueRef("import");
      await leases.create({
        id,
        labels: { "containerd.io/gc.expire": new Date(Date.now() + leaseTtlMs).toISOString() },
      });
      lease = id;
      try {
        return await fn();
      } finally {
        lease = undefined;
        await leases.delete({ id }).catch(() => undefined);
      }
    },
    async blobSize(digest) {
      try {
        const r = await content.info({ digest });
        return Number(r.info?.size ?? 0n);
      } catch (err) {
        if (isCode(err, "not_found")) return undefined;
        throw err;
      }
    },
    async writeBlob(data, expected) {
      const ref = uniqueRef("write");
      const total = BigInt(expected.size);
      const digest = expected.digest ?? "";
      let offset = 0n;
      async function* requests() {
        for await (const chunk of data) {
          for (let i = 0; i < chunk.length; i += writeChunk) {
            const piece = chunk.subarray(i, i + writeChunk);
            yield {
              action: containerdContent.WriteAction.WRITE,
              ref,
              total,
              expected: digest,
              offset,
              data: piece,
            };
            offset += BigInt(piece.length);
          }
        }
        yield { action: containerdContent.WriteAction.COMMIT, ref, total, expected: digest, offset };
      }
      let committed = "";
      try {
        for await (const res of content.write(requests())) {
          if (res.action === containerdContent.WriteAction.COMMIT) committed = res.digest;
        }
      } catch (err) {
        await content.abort({ ref }).catch(() => undefined);
        // Written meanwhile by someone else (or an earlier import): the bytes are there already.
        if (isCode(err, "already_exists")) return { digest };
        throw err;
      }
      return { digest: committed || digest };
    },
    async readBlob(digest, maxBytes) {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const r of content.read({ digest })) {
        size += r.data.length;
        if (size > maxBytes)
          throw new BasaltError("invalid_argument", `blob ${digest} is larger than ${maxBytes} bytes`);
        chunks.push(r.data);
      }
      return Buffer.concat(chunks);
    },
    async labelBlob(digest, labels) {
      await content.update({
        info: { digest, labels },
        updateMask: { paths: Object.keys(labels).map((k) => `labels.${k}`) },
      });
    },
    async hasSnapshot(chainId) {
      try {
        await snapshots.stat({ snapshotter, key: chainId });
        return true;
      } catch (err) {
        if (isCode(err, "not_found")) return false;
        throw err;
      }
    },
    async unpackLayer(layer: Descriptor, parent, chainId, diffId) {
      const key = `${uniqueRef("extract")} ${chainId}`;
      const prepared = await snapshots.prepare({ snapshotter, key, parent: parent ?? "" });
      try {
        const applied = await diff.apply({
          diff: {
            mediaType: layer.mediaType,
            digest: layer.digest,
            size: BigInt(layer.size),
            annotations: layer.annotations ?? {},
          },
          mounts: prepared.mounts,
        });
        if (applied.applied?.digest !== diffId) {
          throw new BasaltError(
            "invalid_argument",
            `layer ${layer.digest} unpacks to ${applied.applied?.digest ?? "nothing"}, but the config says ${diffId}`,
            { hint: "the archive is corrupt or its config does not belong to its layers" },
          );
        }
        await snapshots.commit({ snapshotter, name: chainId, key });
      } catch (err) {
        await snapshots.remove({ snapshotter, key }).catch(() => undefined);
        if (isCode(err, "already_exists")) return;
        throw err;
      }
    },
    async putImage(name, target, labels) {
      const image = {
        name,
        labels,
        target: {
          mediaType: target.mediaType,
          digest: target.digest,
          size: BigInt(target.size),
          annotations: {},
        },
      };
      try {
        await images.create({ image });
      } catch (err) {
        if (!isCode(err, "already_exists")) throw err;
        await images.update({ image, updateMask: { paths: ["target", "labels"] } });
      }
    },
  };
}
