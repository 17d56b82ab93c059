import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { BasaltError } from "@basalt/machinery";
import { ConnectError } from "@connectrpc/connect";

/** Where the reader puts the blobs it finds: the part of an image store it needs. */
export interface BlobSink {
  /** The size of a blob the store already holds, or undefined. */
  blobSize(digest: string): Promise<number | undefined>;
  /**
   * Streams one blob in. With `digest`, the store must verify it on commit. Returns the digest
   * stored ("" when unknown). The data may be left unread if the store already has the blob.
   */
  writeBlob(
    data: AsyncIterable<Uint8Array>,
    expected: { digest?: string; size: number },
  ): Promise<{ digest: string }>;
}

/** What an archive held, once every blob of it is in the store. */
export interface ArchiveContents {
  /** OCI layout: index.json (text). */
  index?: string;
  /** docker save: manifest.json (text). */
  dockerManifest?: string;
  /** Archive path → the blob it holds (digest, size, and whether it is gzip-compressed). */
  files: Map<string, StoredFile>;
  /** Paths the reader skipped (not part of an image layout), the first few for messages. */
  skipped: string[];
  skippedCount: number;
  /** Bytes read from the archive (after decompression). */
  bytes: number;
}

export interface StoredFile {
  digest: string;
  size: number;
  gzip: boolean;
}

/** Top-level metadata files are read into memory, so they are capped. */
export const maxMetadataBytes = 1024 * 1024;
/** An image archive with more entries than this is refused. */
export const maxEntries = 20_000;

const blobPath = /^blobs\/sha256\/([0-9a-f]{64})$/;
/** docker save's older layout: `<id>.json` configs and `<id>/layer.tar` layers. */
const dockerLegacyPath = /^[0-9a-f]{64}(\.json|\/layer\.tar)$/;
const metadataFiles = new Set(["index.json", "manifest.json", "oci-layout", "repositories"]);

const normalize = (name: string) => name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");

/** Gunzips the archive when it starts with the gzip magic bytes; passes it on otherwise. */
async function* maybeGunzip(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  async function* all() {
    yield first.value;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  }
  if (first.value[0] === 0x1f && first.value[1] === 0x8b) {
    yield* Readable.from(all()).compose(createGunzip()) as AsyncIterable<Uint8Array>;
  } else yield* all();
}

/**
 * Reads an OCI image layout or `docker save` archive (tar, optionally gzip) as a stream, in one
 * pass and bounded memory: every blob goes straight into the store while its SHA-256 is checked
 * against its name (OCI) or recorded (docker's older layout); only the small top-level metadata
 * files are kept. Which blobs make up which image is decided afterwards, from that metadata.
 */
export async function readImageArchive(
  archive: AsyncIterable<Uint8Array>,
  sink: BlobSink,
  onBytes: (bytes: number) => void = () => {},
): Promise<ArchiveContents> {
  const contents: ArchiveContents = { files: new Map(), skipped: [], skippedCount: 0, bytes: 0 };
  const links = new Map<string, string>();
  // Loaded here, not at start: image imports are rare and the tar stack is ~50 KB of the bundle.
  const { extract } = await import("./tar-extract.ts");
  const tar = extract();
  let counted = 0;
  async function* counting() {
    for await (const chunk of maybeGunzip(archive)) {
      counted += chunk.length;
      onBytes(counted);
      yield chunk;
    }
  }
  const input = Readable.from(counting());
  input.on("error", (err) => tar.destroy(err));
  input.pipe(tar as unknown as NodeJS.WritableStream);
  let entries = 0;
  try {
    for await (const entry of tar) {
      if (++entries > maxEntries)
        throw new BasaltError("invalid_argument", `the archive has more than ${maxEntries} entries`, {
          hint: "an image archive holds a few metadata files and one blob per layer",
        });
      const name = normalize(entry.header.name);
      const it = entry[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      // The body without a return(): a store that stops reading early must not destroy the entry.
      const body: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => it.next() }) };
      if (entry.header.type === "symlink" || entry.header.type === "link") {
        const target =
          entry.header.type === "symlink"
            ? resolveLink(name, entry.header.linkname)
            : normalize(entry.header.linkname);
        links.set(name, target);
      } else if (entry.header.type === "file" || entry.header.type === "contiguous-file") {
        const blob = blobPath.exec(name);
        if (metadataFiles.has(name)) {
          const text = await readSmall(body, name);
          if (name === "index.json") contents.index = text;
          if (name === "manifest.json") contents.dockerManifest = text;
        } else if (blob || dockerLegacyPath.test(name)) {
          const digest = blob ? `sha256:${blob[1]}` : undefined;
          contents.files.set(name, await storeBlob(sink, body, name, entry.header.size, digest));
        } else {
          contents.skippedCount++;
          if (contents.skipped.length < 5) contents.skipped.push(name);
        }
      }
      for (let n = await it.next(); !n.done; n = await it.next()) {
        // drain what a store left unread (it had the blob already)
      }
    }
  } catch (err) {
    tar.destroy();
    input.destroy();
    if (err instanceof BasaltError || err instanceof ConnectError) throw err;
    throw new BasaltError(
      "invalid_argument",
      `the upload is not a readable tar archive: ${(err as Error).message}`,
      {
        hint: "import an OCI image archive (oci-archive) or the output of `docker save` / `podman save`",
        cause: err,
      },
    );
  }
  for (const [name, target] of links) {
    const file = contents.files.get(target);
    if (file) contents.files.set(name, file);
  }
  contents.bytes = counted;
  return contents;
}

function resolveLink(from: string, target: string): string {
  if (target.startsWith("/")) return normalize(target.slice(1));
  const parts = from.split("/").slice(0, -1);
  for (const p of target.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== "." && p !== "") parts.push(p);
  }
  return parts.join("/");
}

async function readSmall(body: AsyncIterable<Uint8Array>, name: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > maxMetadataBytes)
      throw new BasaltError(
        "invalid_argument",
        `${name} in the archive is larger than ${maxMetadataBytes} bytes`,
      );
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Streams one blob into the store, hashing it on the way; a blob whose bytes do not match its name is refused. */
async function storeBlob(
  sink: BlobSink,
  body: AsyncIterable<Uint8Array>,
  name: string,
  size: number,
  digest: string | undefined,
): Promise<StoredFile> {
  if (digest) {
    const have = await sink.blobSize(digest);
    if (have === size) return { digest, size, gzip: false };
  }
  const hash = createHash("sha256");
  let first: Uint8Array | undefined;
  let seen = 0;
  async function* hashing() {
    for await (const chunk of body) {
      first ??= chunk;
      seen += chunk.length;
      hash.update(chunk);
      if (seen === size) {
        const actual = `sha256:${hash.copy().digest("hex")}`;
        if (digest && actual !== digest) {
          throw new BasaltError(
            "invalid_argument",
            `${name} in the archive does not match its digest: its bytes hash to ${actual}`,
            {
              hint: "the archive is corrupt or was altered; create it again",
            },
          );
        }
      }
      yield chunk;
    }
  }
  const stored = await sink.writeBlob(hashing(), { digest, size });
  // The store may stop reading early when it already holds the blob; then its answer is the digest.
  const actual = seen === size ? `sha256:${hash.digest("hex")}` : stored.digest;
  if (!actual || (digest && actual !== digest))
    throw new BasaltError("internal", `the store kept ${name} as ${actual || "nothing"}, expected ${digest}`);
  return { digest: actual, size, gzip: first !== undefined && first[0] === 0x1f && first[1] === 0x8b };
}
