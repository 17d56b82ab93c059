import { createReadStream, writeFileSync } from "node:fs";
import { type BundleManifest, readBundle, signManifest, writeBundle } from "@basalt/machinery";

/** Reads a bundle file whole (bundles in tests are ~120 MB: fine in memory). */
export async function loadBundle(path: string): Promise<{
  manifest: BundleManifest;
  manifestBytes: Uint8Array;
  signature: Uint8Array;
  parts: Map<string, Buffer>;
}> {
  let manifestBytes: Uint8Array = new Uint8Array();
  let signature: Uint8Array = new Uint8Array();
  let manifest: BundleManifest | undefined;
  const parts = new Map<string, Buffer>();
  for await (const e of readBundle(createReadStream(path) as AsyncIterable<Uint8Array>, {
    signature(b, s) {
      manifestBytes = b;
      signature = s;
    },
    manifest(m) {
      manifest = m;
    },
  })) {
    const chunks: Uint8Array[] = [];
    for await (const c of e.body) chunks.push(Uint8Array.from(c));
    parts.set(e.name, Buffer.concat(chunks));
  }
  return { manifest: manifest!, manifestBytes, signature, parts };
}

/** Writes a variant of a bundle: another manifest (re-signed with `key`) or altered component bytes. */
export async function writeVariant(
  path: string,
  b: Awaited<ReturnType<typeof loadBundle>>,
  change: {
    manifest?: Partial<BundleManifest>;
    key?: string;
    signature?: Uint8Array;
    part?: [string, (p: Buffer) => Buffer];
  },
): Promise<void> {
  const manifest = { ...b.manifest, ...change.manifest };
  const manifestBytes = change.manifest
    ? new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`)
    : b.manifestBytes;
  const signature = change.signature ?? (change.key ? signManifest(manifestBytes, change.key) : b.signature);
  const parts = new Map(b.parts);
  if (change.part) parts.set(change.part[0], change.part[1](Buffer.from(parts.get(change.part[0])!)));
  const chunks: Uint8Array[] = [];
  for await (const c of writeBundle({
    manifest: manifestBytes,
    signature,
    components: [manifest.uki.A.file, manifest.uki.B.file, manifest.root.file].map((name) => ({
      name,
      size: parts.get(name)!.length,
      body: async function* () {
        yield parts.get(name)!;
      },
    })),
  }))
    chunks.push(c);
  writeFileSync(path, Buffer.concat(chunks));
}
