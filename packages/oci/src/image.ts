import { createHash } from "node:crypto";
import { BasaltError } from "@basalt/machinery";
import { type TarEntry, tarArchive } from "./tar.ts";

/** A file of the image's single layer: a regular file or a symlink. Parent directories are implied. */
export type ImageFile =
  | { path: string; mode?: number; bytes: Uint8Array }
  | { path: string; symlink: string };

/** What an image is built from. Only what a node needs to run a static program. */
export interface ImageSpec {
  /** Full reference the runtime lists it under, e.g. `registry.k8s.io/pause:3.10.1`. */
  name: string;
  files: readonly ImageFile[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  /** `uid[:gid]` or a name, as in an OCI image config. */
  user?: string;
  workingDir?: string;
  architecture?: "amd64" | "arm64";
  /** RFC 3339; fixed by default so the same spec gives the same bytes. */
  created?: string;
}

/** The archive and the digests a caller checks or pins (`sha256:…`). */
export interface OciArchive {
  archive: Buffer;
  manifestDigest: string;
  configDigest: string;
  layerDigest: string;
}

export const mediaTypes = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar",
} as const;

/** Loosely the distribution reference grammar: host[:port]/path:tag, lower case path components. */
const refPattern =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*:[\w][\w.-]{0,127}$/;

const digest = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function normalizePath(path: string): string {
  const p = path.replace(/^\/+/, "").replace(/\/+$/, "");
  if (p === "" || p.split("/").some((c) => c === "" || c === "." || c === ".."))
    throw new BasaltError("invalid_argument", `image file path '${path}' must name a file, without . or ..`);
  return p;
}

/** The layer's tar entries: every parent directory (0755) once, then files, all sorted by path. */
export function layerEntries(files: readonly ImageFile[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  const dirs = new Set<string>();
  for (const f of files) {
    const path = normalizePath(f.path);
    if (byPath.has(path)) throw new BasaltError("invalid_argument", `image file ${path} is listed twice`);
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    if ("symlink" in f) {
      if (f.symlink === "") throw new BasaltError("invalid_argument", `symlink ${path} has an empty target`);
      byPath.set(path, { type: "symlink", path, target: f.symlink });
    } else {
      const mode = f.mode ?? 0o644;
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
        throw new BasaltError("invalid_argument", `mode of ${path} must be a permission mode (0 to 0o7777)`);
      byPath.set(path, { type: "file", path, mode, bytes: f.bytes });
    }
  }
  for (const d of dirs) {
    if (byPath.has(d))
      throw new BasaltError("invalid_argument", `${d} is both a file and a parent directory`);
    byPath.set(d, { type: "dir", path: d, mode: 0o755 });
  }
  // Sorting by path puts every directory before what it contains.
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * An OCI image layout as one tar (oci-layout, index.json, blobs/sha256/…, plus a Docker-style
 * manifest.json so `docker load` reads it too) holding a single-layer image. The index names the
 * image with `io.containerd.image.name` and `org.opencontainers.image.ref.name`, which is what
 * containerd's import uses. Same spec, same bytes: no time stamps but the fixed `created`.
 */
export function ociImageArchive(spec: ImageSpec): OciArchive {
  if (!refPattern.test(spec.name))
    throw new BasaltError(
      "invalid_argument",
      `image name '${spec.name}' is not a reference like registry/repo:tag`,
    );
  if (spec.files.length === 0) throw new BasaltError("invalid_argument", "an image needs at least one file");
  if (!spec.entrypoint?.length && !spec.cmd?.length)
    throw new BasaltError("invalid_argument", `image ${spec.name} has neither an entrypoint nor a cmd`);
  const layer = tarArchive(layerEntries(spec.files));
  const layerDigest = digest(layer);
  const created = spec.created ?? "1970-01-01T00:00:00Z";
  const runConfig: Record<string, unknown> = {};
  if (spec.user) runConfig.User = spec.user;
  if (spec.env?.length) runConfig.Env = spec.env;
  if (spec.entrypoint?.length) runConfig.Entrypoint = spec.entrypoint;
  if (spec.cmd?.length) runConfig.Cmd = spec.cmd;
  if (spec.workingDir) runConfig.WorkingDir = spec.workingDir;
  const config = json({
    created,
    architecture: spec.architecture ?? "amd64",
    os: "linux",
    config: runConfig,
    rootfs: { type: "layers", diff_ids: [layerDigest] },
    history: [{ created, created_by: "basalt @basalt/oci" }],
  });
  const configDigest = digest(config);
  const manifest = json({
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config: { mediaType: mediaTypes.config, digest: configDigest, size: config.length },
    layers: [{ mediaType: mediaTypes.layer, digest: layerDigest, size: layer.length }],
  });
  const manifestDigest = digest(manifest);
  const index = json({
    schemaVersion: 2,
    mediaType: mediaTypes.index,
    manifests: [
      {
        mediaType: mediaTypes.manifest,
        digest: manifestDigest,
        size: manifest.length,
        annotations: {
          "io.containerd.image.name": spec.name,
          "org.opencontainers.image.ref.name": spec.name,
        },
        platform: { architecture: spec.architecture ?? "amd64", os: "linux" },
      },
    ],
  });
  const blob = (d: string) => `blobs/sha256/${d.slice("sha256:".length)}`;
  const dockerManifest = json([
    { Config: blob(configDigest), RepoTags: [spec.name], Layers: [blob(layerDigest)] },
  ]);
  const blobs = [
    { d: configDigest, bytes: config },
    { d: layerDigest, bytes: layer },
    { d: manifestDigest, bytes: manifest },
  ].sort((a, b) => (a.d < b.d ? -1 : 1));
  const entries: TarEntry[] = [
    { type: "dir", path: "blobs", mode: 0o755 },
    { type: "dir", path: "blobs/sha256", mode: 0o755 },
    ...blobs
      .filter((b, i) => i === 0 || b.d !== blobs[i - 1]!.d)
      .map((b): TarEntry => ({ type: "file", path: blob(b.d), mode: 0o644, bytes: b.bytes })),
    { type: "file", path: "index.json", mode: 0o644, bytes: index },
    { type: "file", path: "manifest.json", mode: 0o644, bytes: dockerManifest },
    { type: "file", path: "oci-layout", mode: 0o644, bytes: json({ imageLayoutVersion: "1.0.0" }) },
  ];
  return { archive: tarArchive(entries), manifestDigest, configDigest, layerDigest };
}
