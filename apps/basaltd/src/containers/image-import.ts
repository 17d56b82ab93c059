import { createHash, randomUUID } from "node:crypto";
import { BasaltError } from "@basalt/machinery";
import { type ArchiveContents, type BlobSink, readImageArchive } from "./image-archive.ts";
import { isFullReference, normalizeImageName } from "./image-names.ts";

/** An OCI descriptor: what a manifest or index points at. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/**
 * The image store an import writes into (containerd's content, snapshot, diff and image services
 * in production; an in-memory fake in unit tests). Everything written inside `withLease` is kept
 * from garbage collection until `fn` ends, by which time the image record references it.
 */
export interface ImageStore extends BlobSink {
  /** A blob's bytes, refused if longer than `maxBytes`. */
  readBlob(digest: string, maxBytes: number): Promise<Uint8Array>;
  /** Sets labels on a blob (garbage-collection references). */
  labelBlob(digest: string, labels: Record<string, string>): Promise<void>;
  /** Is a committed snapshot with this name (a layer chain id) there already? */
  hasSnapshot(chainId: string): Promise<boolean>;
  /**
   * Unpacks one layer on top of `parent` into a snapshot named `chainId`; refuses (and leaves
   * nothing behind) when the uncompressed layer does not hash to `diffId`.
   */
  unpackLayer(layer: Descriptor, parent: string | undefined, chainId: string, diffId: string): Promise<void>;
  /** Creates or replaces the image record `name`. */
  putImage(name: string, target: Descriptor, labels: Record<string, string>): Promise<void>;
  /** The snapshotter layers are unpacked with (for the garbage-collection label). */
  readonly snapshotter: string;
  withLease<T>(fn: () => Promise<T>): Promise<T>;
}

export interface ImportOptions {
  /** Name for the image; overrides the archive's and is required when it names none. */
  name?: string;
  /** Label the image pinned, so kubelet's image garbage collection keeps it. */
  pinned?: boolean;
  /** Refuse an archive larger than this (bytes after decompression). */
  maxBytes?: number;
  /** The platform to pick from a multi-platform index (default: this machine's, linux). */
  platform?: { os: string; architecture: string };
  onProgress?(p: ImportProgress): void;
}

export interface ImportProgress {
  phase: "receiving" | "unpacking" | "done";
  bytes: number;
  message: string;
}

export interface ImportedImage {
  name: string;
  /** The manifest's digest. */
  digest: string;
  /** The config's digest: the image id CRI shows. */
  id: string;
  /** Compressed size of config and layers. */
  size: number;
}

export const mediaTypes = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

/** Labels the CRI plugin puts on images it manages and on pinned images. */
export const criLabels = { managed: "io.cri-containerd.image", pinned: "io.cri-containerd.pinned" } as const;

const maxJsonBytes = 4 * 1024 * 1024;
const goArch: Record<string, string> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
};

/**
 * Imports an image archive (OCI layout or `docker save`, tar or tar.gz) into an image store the
 * way `ctr images import` does: every blob streamed in and digest-checked, layers unpacked into
 * snapshots (each checked against the config's diff_ids), garbage-collection labels set, and one
 * image record per name with the CRI plugin's `managed` label (and `pinned` when asked), so CRI —
 * and kubelet — see it at once. An archive that is not an image is refused with what it held.
 */
export async function importImageArchive(
  store: ImageStore,
  archive: AsyncIterable<Uint8Array>,
  options: ImportOptions = {},
): Promise<ImportedImage[]> {
  const progress = options.onProgress ?? (() => {});
  const platform = options.platform ?? { os: "linux", architecture: goArch[process.arch] ?? process.arch };
  const name = options.name ? normalizeImageName(options.name) : undefined;
  return store.withLease(async () => {
    const contents = await readImageArchive(archive, store, (bytes) => {
      if (options.maxBytes !== undefined && bytes > options.maxBytes) {
        throw new BasaltError(
          "resource_exhausted",
          `the archive is larger than the ${options.maxBytes}-byte import limit`,
        );
      }
      progress({ phase: "receiving", bytes, message: "receiving" });
    });
    const images = await resolveImages(store, contents, platform);
    if (name && images.length !== 1) {
      throw new BasaltError(
        "invalid_argument",
        `the archive holds ${images.length} images; a name can only be given to one`,
        {
          hint: "import it without a name (each keeps the name in the archive)",
        },
      );
    }
    const result: ImportedImage[] = [];
    for (const [i, image] of images.entries()) {
      const names = name ? [name] : image.names;
      if (!names.length) {
        throw new BasaltError("invalid_argument", "the archive does not name its image", {
          hint: "give it a name: basaltctl image import FILE --name registry.example/app:1.0",
        });
      }
      progress({
        phase: "unpacking",
        bytes: contents.bytes,
        message: `unpacking ${names[0]} (${i + 1}/${images.length})`,
      });
      const unpacked = await unpack(store, image.manifest, (layer, total) =>
        progress({
          phase: "unpacking",
          bytes: contents.bytes,
          message: `${names[0]}: layer ${layer}/${total}`,
        }),
      );
      const labels: Record<string, string> = { [criLabels.managed]: "managed" };
      if (options.pinned) labels[criLabels.pinned] = "pinned";
      for (const n of names) {
        await store.putImage(n, image.manifest, labels);
        result.push({
          name: n,
          digest: image.manifest.digest,
          id: unpacked.configDigest,
          size: unpacked.size,
        });
      }
    }
    progress({
      phase: "done",
      bytes: contents.bytes,
      message: `imported ${result.map((r) => r.name).join(", ")}`,
    });
    return result;
  });
}

interface ResolvedImage {
  names: string[];
  manifest: Descriptor;
}

function notAnImage(contents: ArchiveContents): BasaltError {
  const held = contents.skipped.length
    ? `; it holds ${contents.skipped.join(", ")}${contents.skippedCount > contents.skipped.length ? `, … (${contents.skippedCount} files)` : ""}`
    : contents.files.size
      ? ""
      : "; it is empty";
  return new BasaltError(
    "invalid_argument",
    `the archive is not an OCI or docker image archive: it has no index.json or manifest.json${held}`,
    {
      hint: "import an OCI image archive (oci-archive) or the output of `docker save` / `podman save`",
    },
  );
}

function parseJson<T>(text: string | Uint8Array, what: string): T {
  try {
    return JSON.parse(typeof text === "string" ? text : Buffer.from(text).toString("utf8")) as T;
  } catch (err) {
    throw new BasaltError("invalid_argument", `${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function checkDescriptor(d: unknown, what: string): Descriptor {
  const x = d as Partial<Descriptor> | undefined;
  if (
    !x ||
    typeof x.digest !== "string" ||
    !/^sha256:[0-9a-f]{64}$/.test(x.digest) ||
    typeof x.size !== "number"
  ) {
    throw new BasaltError("invalid_argument", `${what} is not a valid descriptor (digest sha256:…, size)`);
  }
  return { mediaType: x.mediaType ?? "", digest: x.digest, size: x.size, annotations: x.annotations };
}

async function readJson<T>(store: ImageStore, d: Descriptor, what: string): Promise<T> {
  const have = await store.blobSize(d.digest);
  if (have === undefined)
    throw new BasaltError("invalid_argument", `the archive lacks ${what} ${d.digest}`, {
      hint: "the archive is incomplete; create it again",
    });
  if (have !== d.size)
    throw new BasaltError(
      "invalid_argument",
      `${what} ${d.digest} is ${have} bytes, its descriptor says ${d.size}`,
    );
  return parseJson<T>(await store.readBlob(d.digest, maxJsonBytes), `${what} ${d.digest}`);
}

/** The images an archive holds: each a manifest for this platform and its names. */
async function resolveImages(
  store: ImageStore,
  contents: ArchiveContents,
  platform: { os: string; architecture: string },
): Promise<ResolvedImage[]> {
  if (contents.index !== undefined) {
    const index = parseJson<{ manifests?: unknown[] }>(contents.index, "index.json");
    if (!Array.isArray(index.manifests) || !index.manifests.length)
      throw new BasaltError("invalid_argument", "index.json lists no manifests");
    const images: ResolvedImage[] = [];
    for (const [i, raw] of index.manifests.entries()) {
      const d = checkDescriptor(raw, `index.json manifests[${i}]`);
      const a = d.annotations ?? {};
      const ref =
        a["io.containerd.image.name"] ??
        (a["org.opencontainers.image.ref.name"] && isFullReference(a["org.opencontainers.image.ref.name"])
          ? a["org.opencontainers.image.ref.name"]
          : undefined);
      images.push({
        names: ref ? [normalizeImageName(ref)] : [],
        manifest: await platformManifest(store, d, platform),
      });
    }
    return images;
  }
  if (contents.dockerManifest !== undefined) {
    const entries = parseJson<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }[]>(
      contents.dockerManifest,
      "manifest.json",
    );
    if (!Array.isArray(entries) || !entries.length)
      throw new BasaltError("invalid_argument", "manifest.json lists no images");
    const images: ResolvedImage[] = [];
    for (const [i, e] of entries.entries()) {
      const file = (path: string | undefined, what: string) => {
        const f = path ? contents.files.get(path.replace(/^(\.\/)+/, "")) : undefined;
        if (!f)
          throw new BasaltError(
            "invalid_argument",
            `manifest.json[${i}] names ${what} ${path ?? "(none)"}, which the archive lacks`,
          );
        return f;
      };
      const config = file(e.Config, "config");
      const layers = (e.Layers ?? []).map((l) => file(l, "layer"));
      const manifest = {
        schemaVersion: 2,
        mediaType: mediaTypes.dockerManifest,
        config: { mediaType: mediaTypes.dockerConfig, digest: config.digest, size: config.size },
        layers: layers.map((l) => ({
          mediaType: l.gzip ? mediaTypes.dockerLayerGzip : mediaTypes.dockerLayer,
          digest: l.digest,
          size: l.size,
        })),
      };
      const bytes = Buffer.from(JSON.stringify(manifest));
      const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
      await store.writeBlob(
        (async function* () {
          yield bytes;
        })(),
        { digest, size: bytes.length },
      );
      images.push({
        names: (e.RepoTags ?? []).map(normalizeImageName),
        manifest: { mediaType: mediaTypes.dockerManifest, digest, size: bytes.length },
      });
    }
    return images;
  }
  throw notAnImage(contents);
}

interface Index {
  manifests?: (Descriptor & { platform?: { os?: string; architecture?: string } })[];
}

/** A manifest as it is, or this platform's manifest from an index (which then gets GC labels). */
async function platformManifest(
  store: ImageStore,
  d: Descriptor,
  platform: { os: string; architecture: string },
): Promise<Descriptor> {
  if (d.mediaType !== mediaTypes.ociIndex && d.mediaType !== mediaTypes.dockerList) return d;
  const index = await readJson<Index>(store, d, "index");
  const list = Array.isArray(index.manifests) ? index.manifests : [];
  const match = list.find(
    (m) =>
      (m.platform?.os ?? "linux") === platform.os &&
      (m.platform?.architecture ?? platform.architecture) === platform.architecture,
  );
  if (!match) {
    const have = list.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(", ");
    throw new BasaltError(
      "invalid_argument",
      `the image has no ${platform.os}/${platform.architecture} variant (it has ${have || "none"})`,
    );
  }
  return platformManifest(store, checkDescriptor(match, "index entry"), platform);
}

interface Manifest {
  schemaVersion?: number;
  mediaType?: string;
  config?: unknown;
  layers?: unknown[];
}

/** The layer chain ids (OCI image spec): chain(0) = diff(0), chain(n) = sha256(chain(n-1) + " " + diff(n)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out.at(-1);
    out.push(prev ? `sha256:${createHash("sha256").update(`${prev} ${d}`).digest("hex")}` : d);
  }
  return out;
}

/** Checks a manifest and its config, unpacks its layers, and labels what references what. */
async function unpack(
  store: ImageStore,
  manifestDesc: Descriptor,
  onLayer: (n: number, total: number) => void,
): Promise<{ configDigest: string; size: number }> {
  const manifest = await readJson<Manifest>(store, manifestDesc, "manifest");
  if (manifest.schemaVersion !== 2 || !manifest.config || !Array.isArray(manifest.layers))
    throw new BasaltError(
      "invalid_argument",
      `manifest ${manifestDesc.digest} is not an image manifest (schemaVersion 2 with config and layers)`,
    );
  const config = checkDescriptor(manifest.config, "the manifest's config");
  const layers = manifest.layers.map((l, i) => checkDescriptor(l, `the manifest's layers[${i}]`));
  const cfg = await readJson<{ rootfs?: { diff_ids?: string[] } }>(store, config, "config");
  const diffIds = cfg.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length)
    throw new BasaltError(
      "invalid_argument",
      `the config lists ${diffIds.length} diff_ids for ${layers.length} layers`,
    );
  for (const l of layers) {
    const have = await store.blobSize(l.digest);
    if (have === undefined)
      throw new BasaltError("invalid_argument", `the archive lacks layer ${l.digest}`, {
        hint: "the archive is incomplete; create it again",
      });
    if (have !== l.size)
      throw new BasaltError(
        "invalid_argument",
        `layer ${l.digest} is ${have} bytes, the manifest says ${l.size}`,
      );
  }
  const chains = chainIds(diffIds);
  for (const [i, layer] of layers.entries()) {
    onLayer(i + 1, layers.length);
    if (await store.hasSnapshot(chains[i]!)) continue;
    await store.unpackLayer(layer, chains[i - 1], chains[i]!, diffIds[i]!);
  }
  const refs: Record<string, string> = { "containerd.io/gc.ref.content.config": config.digest };
  for (const [i, l] of layers.entries()) refs[`containerd.io/gc.ref.content.l.${i}`] = l.digest;
  await store.labelBlob(manifestDesc.digest, refs);
  if (chains.length)
    await store.labelBlob(config.digest, {
      [`containerd.io/gc.ref.snapshot.${store.snapshotter}`]: chains.at(-1)!,
    });
  return { configDigest: config.digest, size: config.size + layers.reduce((s, l) => s + l.size, 0) };
}

/** A unique ref for a write or snapshot key, so a retried import never collides with a stale one. */
export const uniqueRef = (what: string) => `basalt-${what}-${randomUUID()}`;
