import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { layerEntries, mediaTypes, ociImageArchive } from "./image.ts";
import { readTar } from "./tar.ts";

const sha = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function blobs(archive: Buffer): Map<string, Buffer> {
  return new Map(
    readTar(archive).flatMap((e) => (e.type === "file" ? [[e.path, Buffer.from(e.bytes)] as const] : [])),
  );
}

const pause = {
  name: "registry.k8s.io/pause:3.10.1",
  files: [{ path: "/pause", mode: 0o755, bytes: Buffer.from("\x7fELF fake pause") }],
  entrypoint: ["/pause"],
  user: "65535:65535",
};

test("an OCI archive holds a layout whose digests, sizes and names agree", () => {
  const { archive, manifestDigest, configDigest, layerDigest } = ociImageArchive(pause);
  const files = blobs(archive);
  assert.deepEqual(JSON.parse(files.get("oci-layout")!.toString()), { imageLayoutVersion: "1.0.0" });
  const index = JSON.parse(files.get("index.json")!.toString());
  assert.equal(index.mediaType, mediaTypes.index);
  const [entry] = index.manifests;
  assert.equal(entry.digest, manifestDigest);
  assert.equal(entry.annotations["io.containerd.image.name"], "registry.k8s.io/pause:3.10.1");
  assert.equal(entry.annotations["org.opencontainers.image.ref.name"], "registry.k8s.io/pause:3.10.1");
  // Every blob is stored under its own digest.
  for (const [path, bytes] of files)
    if (path.startsWith("blobs/sha256/")) assert.equal(sha(bytes), `sha256:${path.slice(13)}`);
  const manifestBytes = files.get(`blobs/sha256/${manifestDigest.slice(7)}`)!;
  assert.equal(entry.size, manifestBytes.length);
  const manifest = JSON.parse(manifestBytes.toString());
  assert.equal(manifest.config.digest, configDigest);
  assert.equal(manifest.layers[0].digest, layerDigest);
  assert.equal(manifest.layers[0].mediaType, mediaTypes.layer);
  const config = JSON.parse(files.get(`blobs/sha256/${configDigest.slice(7)}`)!.toString());
  assert.deepEqual(config.config, { User: "65535:65535", Entrypoint: ["/pause"] });
  // An uncompressed layer: its diff ID is its digest.
  assert.deepEqual(config.rootfs, { type: "layers", diff_ids: [layerDigest] });
  const layer = readTar(files.get(`blobs/sha256/${layerDigest.slice(7)}`)!);
  assert.deepEqual(
    layer.map((e) => [e.path, e.type === "symlink" ? e.target : e.mode]),
    [["pause", 0o755]],
  );
  const docker = JSON.parse(files.get("manifest.json")!.toString());
  assert.deepEqual(docker[0].RepoTags, ["registry.k8s.io/pause:3.10.1"]);
});

test("the same spec gives the same bytes; another file gives another digest", () => {
  const a = ociImageArchive(pause);
  assert.deepEqual(a.archive, ociImageArchive(pause).archive);
  const b = ociImageArchive({
    ...pause,
    files: [{ path: "pause", mode: 0o755, bytes: Buffer.from("other") }],
  });
  assert.notEqual(a.manifestDigest, b.manifestDigest);
});

test("layer entries get their parent directories once, sorted before their contents", () => {
  const entries = layerEntries([
    { path: "bin/sh", symlink: "busybox" },
    { path: "bin/busybox", mode: 0o755, bytes: new Uint8Array(3) },
    { path: "etc/deep/x.conf", bytes: new Uint8Array(1) },
  ]);
  assert.deepEqual(
    entries.map((e) => `${e.type}:${e.path}`),
    ["dir:bin", "file:bin/busybox", "symlink:bin/sh", "dir:etc", "dir:etc/deep", "file:etc/deep/x.conf"],
  );
  const conf = entries.find((e) => e.path === "etc/deep/x.conf");
  assert.ok(conf?.type === "file" && conf.mode === 0o644);
});

test("bad specs are refused with what is wrong", () => {
  const f = [{ path: "a", bytes: new Uint8Array(1) }];
  assert.throws(() => ociImageArchive({ ...pause, name: "Not A Ref" }), /not a reference/);
  assert.throws(() => ociImageArchive({ ...pause, name: "registry.k8s.io/pause" }), /not a reference/);
  assert.throws(() => ociImageArchive({ ...pause, files: [] }), /at least one file/);
  assert.throws(() => ociImageArchive({ name: pause.name, files: f }), /neither an entrypoint nor a cmd/);
  assert.throws(
    () => layerEntries([{ path: "../etc/passwd", bytes: new Uint8Array(1) }]),
    /without \. or \.\./,
  );
  assert.throws(() => layerEntries([...f, { path: "/a", bytes: new Uint8Array(1) }]), /listed twice/);
  assert.throws(
    () => layerEntries([...f, { path: "a/b", bytes: new Uint8Array(1) }]),
    /both a file and a parent/,
  );
  assert.throws(
    () => layerEntries([{ path: "x", mode: 0o10000, bytes: new Uint8Array(1) }]),
    /permission mode/,
  );
  assert.ok(ociImageArchive({ ...pause, name: "localhost:5000/team/busybox:1.36" }));
});
