import { createHash } from "node:crypto";
import { pack } from "tar-stream";

/**
 * A minimal OCI image archive writer for tests (until @basalt/oci lands): one uncompressed layer
 * from the given files, a config, a manifest, and index.json naming the image.
 */
export interface LayerFile {
  path: string;
  mode?: number;
  bytes?: Uint8Array;
  symlink?: string;
  dir?: boolean;
}

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export async function tarBytes(entries: LayerFile[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise((resolve, reject) => {
    p.on("end", () => resolve(undefined));
    p.on("error", reject);
  });
  const mtime = new Date(0);
  for (const e of entries) {
    if (e.dir) p.entry({ name: e.path, type: "directory", mode: e.mode ?? 0o755, mtime });
    else if (e.symlink) p.entry({ name: e.path, type: "symlink", linkname: e.symlink, mtime });
    else p.entry({ name: e.path, mode: e.mode ?? 0o644, mtime }, Buffer.from(e.bytes ?? new Uint8Array()));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface OciImage {
  archive: Buffer;
  manifestDigest: string;
  configDigest: string;
  layerDigest: string;
}

/** An OCI archive of one image named `name` (index.json carries io.containerd.image.name). */
export async function ociImageArchive(
  name: string,
  files: LayerFile[],
  config: { entrypoint?: string[]; cmd?: string[] } = {},
): Promise<OciImage> {
  const layer = await tarBytes(files);
  const layerDigest = sha256(layer);
  const configJson = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Entrypoint: config.entrypoint, Cmd: config.cmd, Env: ["PATH=/bin"] },
      rootfs: { type: "layers", diff_ids: [layerDigest] },
    }),
  );
  const configDigest = sha256(configJson);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: configDigest,
        size: configJson.length,
      },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layerDigest, size: layer.length },
      ],
    }),
  );
  const manifestDigest = sha256(manifest);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: manifestDigest,
          size: manifest.length,
          annotations: {
            "io.containerd.image.name": name,
            "org.opencontainers.image.ref.name": name.split(":").at(-1),
          },
        },
      ],
    }),
  );
  const blob = (d: string) => `blobs/sha256/${d.slice("sha256:".length)}`;
  const archive = await tarBytes([
    { path: "oci-layout", bytes: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { path: "blobs", dir: true },
    { path: "blobs/sha256", dir: true },
    { path: blob(layerDigest), bytes: layer },
    { path: blob(configDigest), bytes: configJson },
    { path: blob(manifestDigest), bytes: manifest },
    { path: "index.json", bytes: index },
  ]);
  return { archive, manifestDigest, configDigest, layerDigest };
}
