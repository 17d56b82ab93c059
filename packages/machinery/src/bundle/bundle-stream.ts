import { BasaltError } from "../errors.ts";
import { ByteReader } from "./byte-reader.ts";
import { type BundleManifest, bundleEntries, parseBundleManifest } from "./manifest.ts";
import { readTarHeader, skipTarPadding, tarEnd, tarHeader, tarPadding } from "./tar.ts";

export interface BundleParts {
  manifest: Uint8Array;
  signature: Uint8Array;
  /** Component files in bundle order: uki-a, uki-b, then the root image. */
  components: { name: string; size: number; body: () => AsyncIterable<Uint8Array> }[];
}

/** Writes a bundle: manifest, signature, then each component, as one deterministic tar stream. */
export async function* writeBundle(parts: BundleParts): AsyncGenerator<Uint8Array> {
  const entries = [
    {
      name: bundleEntries.manifest,
      size: parts.manifest.length,
      body: async function* () {
        yield parts.manifest;
      },
    },
    {
      name: bundleEntries.signature,
      size: parts.signature.length,
      body: async function* () {
        yield parts.signature;
      },
    },
    ...parts.components,
  ];
  for (const e of entries) {
    yield tarHeader(e.name, e.size);
    let written = 0;
    for await (const chunk of e.body()) {
      written += chunk.length;
      yield chunk;
    }
    if (written !== e.size)
      throw new BasaltError("internal", `${e.name}: wrote ${written} bytes, announced ${e.size}`);
    yield tarPadding(e.size);
  }
  yield tarEnd;
}

/**
 * Reads a bundle front to back. The manifest and its signature come first: the signature is
 * checked over the raw manifest bytes, then the manifest is parsed and judged, all before a single
 * component byte is read, so an unsigned or tampered manifest never gets
 * to write anything.
 */
export async function* readBundle(
  source: AsyncIterable<Uint8Array>,
  verify: {
    /** Throws unless `signature` is a trusted signature of the raw manifest bytes. */
    signature(manifestBytes: Uint8Array, signature: Uint8Array): void | Promise<void>;
    /** Throws unless this (signed) manifest may be installed. */
    manifest(manifest: BundleManifest): void | Promise<void>;
  },
): AsyncGenerator<{
  manifest: BundleManifest;
  name: string;
  size: number;
  body: AsyncGenerator<Uint8Array>;
}> {
  const reader = new ByteReader(source);
  const small = async (want: string, limit: number) => {
    const h = await readTarHeader(reader);
    if (!h) throw new BasaltError("invalid_argument", `not a Basalt bundle: it ends before ${want}`);
    if (h.name !== want)
      throw new BasaltError(
        "invalid_argument",
        `not a Basalt bundle: expected ${want} first, found ${h.name}`,
      );
    if (h.size > limit)
      throw new BasaltError("invalid_argument", `${want} is ${h.size} bytes, more than ${limit}`);
    const bytes = Uint8Array.from(await reader.read(h.size, want));
    await skipTarPadding(reader, h.size);
    return bytes;
  };
  const manifestBytes = await small(bundleEntries.manifest, 64 * 1024);
  const signature = await small(bundleEntries.signature, 4096);
  // The signature is checked over the raw bytes before they are parsed: an unsigned manifest is
  // never handed to the JSON parser or the schema.
  await verify.signature(manifestBytes, signature);
  const manifest = parseBundleManifest(manifestBytes);
  await verify.manifest(manifest);
  const expected = [manifest.uki.A, manifest.uki.B, manifest.root];
  for (const want of expected) {
    const h = await readTarHeader(reader);
    if (!h) throw new BasaltError("invalid_argument", `the bundle is truncated: ${want.file} is missing`);
    if (h.name !== want.file)
      throw new BasaltError("invalid_argument", `expected ${want.file} next in the bundle, found ${h.name}`);
    if (h.size !== want.size) {
      throw new BasaltError(
        "invalid_argument",
        `${h.name} is ${h.size} bytes but the signed manifest says ${want.size}`,
      );
    }
    const body = reader.take(h.size, h.name);
    yield { manifest, name: h.name, size: h.size, body };
    // The consumer must read the body whole; drain whatever it left so the next header lines up.
    for await (const _ of body);
    await skipTarPadding(reader, h.size);
  }
}
