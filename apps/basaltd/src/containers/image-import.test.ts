import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { BasaltError } from "@basalt/machinery";
import { pack } from "tar-stream";
import { chainIds, type Descriptor, type ImageStore, importImageArchive } from "./image-import.ts";

const sha = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** An in-memory image store: the containerd semantics the importer relies on, nothing more. */
class MemoryStore implements ImageStore {
  readonly snapshotter = "overlayfs";
  blobs = new Map<string, Buffer>();
  labels = new Map<string, Record<string, string>>();
  snapshots = new Map<string, string | undefined>();
  images = new Map<string, { target: Descriptor; labels: Record<string, string> }>();
  leased = 0;
  async blobSize(d: string) {
    return this.blobs.get(d)?.length;
  }
  async writeBlob(data: AsyncIterable<Uint8Array>, expected: { digest?: string; size: number }) {
    const parts: Uint8Array[] = [];
    for await (const c of data) parts.push(c);
    const b = Buffer.concat(parts);
    const d = sha(b);
    if (expected.digest && d !== expected.digest) throw new Error(`unexpected commit digest ${d}`);
    if (b.length !== expected.size) throw new Error("size mismatch");
    this.blobs.set(d, b);
    return { digest: d };
  }
  async readBlob(d: string) {
    const b = this.blobs.get(d);
    if (!b) throw new BasaltError("not_found", d);
    return b;
  }
  async labelBlob(d: string, labels: Record<string, string>) {
    this.labels.set(d, { ...this.labels.get(d), ...labels });
  }
  async hasSnapshot(c: string) {
    return this.snapshots.has(c);
  }
  async unpackLayer(layer: Descriptor, parent: string | undefined, chainId: string, diffId: string) {
    const b = this.blobs.get(layer.digest)!;
    const raw = layer.mediaType.endsWith("gzip") ? gunzipSync(b) : b;
    if (sha(raw) !== diffId)
      throw new BasaltError("invalid_argument", `layer ${layer.digest} unpacks to ${sha(raw)}`);
    this.snapshots.set(chainId, parent);
  }
  async putImage(name: string, target: Descriptor, labels: Record<string, string>) {
    this.images.set(name, { target, labels });
  }
  async withLease<T>(fn: () => Promise<T>) {
    this.leased++;
    try {
      return await fn();
    } finally {
      this.leased--;
    }
  }
}

async function tar(entries: { name: string; data?: Uint8Array; type?: "symlink"; linkname?: string }[]) {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise((r) => p.on("end", () => r(undefined)));
  for (const e of entries) {
    if (e.type === "symlink") p.entry({ name: e.name, type: "symlink", linkname: e.linkname });
    else p.entry({ name: e.name }, Buffer.from(e.data ?? new Uint8Array()));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The archive in small chunks, as it arrives over the API. */
async function* chunked(b: Buffer, size = 1000) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function layers() {
  const one = await tar([{ name: "bin/hello", data: Buffer.from("#!/bin/sh\necho hi\n") }]);
  const two = await tar([{ name: "etc/motd", data: Buffer.from("hello") }]);
  return { one, two };
}

function config(diffIds: string[]) {
  return Buffer.from(
    JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: diffIds } }),
  );
}

async function ociArchive(options: { name?: string; gzipSecond?: boolean; corrupt?: boolean } = {}) {
  const { one, two } = await layers();
  const twoStored = options.gzipSecond ? gzipSync(two) : two;
  const cfg = config([sha(one), sha(two)]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(cfg), size: cfg.length },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha(one), size: one.length },
        {
          mediaType: `application/vnd.oci.image.layer.v1.tar${options.gzipSecond ? "+gzip" : ""}`,
          digest: sha(twoStored),
          size: twoStored.length,
        },
      ],
    }),
  );
  const annotations = options.name
    ? { "io.containerd.image.name": options.name }
    : { "org.opencontainers.image.ref.name": "1.0" };
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: sha(manifest),
          size: manifest.length,
          annotations,
        },
      ],
    }),
  );
  const blob = (b: Buffer) => `blobs/sha256/${sha(b).slice(7)}`;
  const oneInArchive = options.corrupt ? Buffer.from(one).fill(1, 600, 601) : one;
  const archive = await tar([
    { name: "oci-layout", data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: blob(one), data: oneInArchive },
    { name: blob(twoStored), data: twoStored },
    { name: blob(cfg), data: cfg },
    { name: blob(manifest), data: manifest },
    { name: "index.json", data: index },
  ]);
  return { archive, manifest, cfg, one, two, twoStored };
}

test("an OCI archive is imported: blobs, unpacked layers by chain id, GC labels, CRI labels", async () => {
  const store = new MemoryStore();
  const a = await ociArchive({ name: "registry.example/app:1.0", gzipSecond: true });
  const phases = new Set<string>();
  const result = await importImageArchive(store, chunked(a.archive), {
    pinned: true,
    onProgress: (p) => phases.add(p.phase),
  });
  assert.deepEqual(result, [
    {
      name: "registry.example/app:1.0",
      digest: sha(a.manifest),
      id: sha(a.cfg),
      size: a.cfg.length + a.one.length + a.twoStored.length,
    },
  ]);
  const image = store.images.get("registry.example/app:1.0")!;
  assert.equal(image.target.digest, sha(a.manifest));
  assert.deepEqual(image.labels, {
    "io.cri-containerd.image": "managed",
    "io.cri-containerd.pinned": "pinned",
  });
  const chains = chainIds([sha(a.one), sha(a.two)]);
  assert.equal(chains[0], sha(a.one));
  assert.equal(chains[1], sha(Buffer.from(`${sha(a.one)} ${sha(a.two)}`)));
  assert.deepEqual(
    [...store.snapshots],
    [
      [chains[0], undefined],
      [chains[1], chains[0]],
    ],
  );
  assert.deepEqual(store.labels.get(sha(a.manifest)), {
    "containerd.io/gc.ref.content.config": sha(a.cfg),
    "containerd.io/gc.ref.content.l.0": sha(a.one),
    "containerd.io/gc.ref.content.l.1": sha(a.twoStored),
  });
  assert.deepEqual(store.labels.get(sha(a.cfg)), { "containerd.io/gc.ref.snapshot.overlayfs": chains[1] });
  assert.deepEqual([...phases], ["receiving", "unpacking", "done"]);
  assert.equal(store.leased, 0);
});

test("a gzip-compressed archive is read too, and a name given overrides (normalized)", async () => {
  const store = new MemoryStore();
  const a = await ociArchive();
  const result = await importImageArchive(store, chunked(gzipSync(a.archive)), { name: "app:2" });
  assert.equal(result[0]!.name, "docker.io/library/app:2");
  assert.deepEqual(store.images.get("docker.io/library/app:2")!.labels, {
    "io.cri-containerd.image": "managed",
  });
});

test("an archive that names no image needs a name", async () => {
  const a = await ociArchive();
  await assert.rejects(importImageArchive(new MemoryStore(), chunked(a.archive)), /does not name its image/);
});

test("a blob whose bytes do not match its name is refused before the store commits it", async () => {
  const store = new MemoryStore();
  const a = await ociArchive({ name: "x/y:1", corrupt: true });
  await assert.rejects(importImageArchive(store, chunked(a.archive)), (err: BasaltError) => {
    assert.equal(err.code, "invalid_argument");
    assert.match(err.message, /does not match its digest/);
    return true;
  });
  assert.equal(store.images.size, 0);
  assert.ok(![...store.blobs.keys()].includes(sha(a.one)));
});

test("a tarball that is not an image is refused with what it held", async () => {
  const store = new MemoryStore();
  const archive = await tar([
    { name: "README", data: Buffer.from("hello") },
    { name: "src/main.c", data: Buffer.from("int main(){}") },
  ]);
  await assert.rejects(importImageArchive(store, chunked(archive)), (err: BasaltError) => {
    assert.equal(err.code, "invalid_argument");
    assert.match(
      err.message,
      /not an OCI or docker image archive: it has no index.json or manifest.json; it holds README, src\/main.c/,
    );
    return true;
  });
  assert.equal(store.blobs.size, 0, "files that are not image blobs are never stored");
});

test("bytes that are not a tar archive are refused as such", async () => {
  await assert.rejects(
    importImageArchive(new MemoryStore(), chunked(Buffer.alloc(4096, 7))),
    /the upload is not a readable tar archive: Invalid tar header/,
  );
});

test("a docker save archive (legacy layout, symlinked duplicate layer) becomes a docker manifest", async () => {
  const store = new MemoryStore();
  const { one, two } = await layers();
  const cfg = config([sha(one), sha(two), sha(one)]);
  const id = (n: number) => String(n).repeat(64);
  const cfgName = `${sha(cfg).slice(7)}.json`;
  const archive = await tar([
    { name: `${id(1)}/layer.tar`, data: one },
    { name: `${id(2)}/layer.tar`, data: two },
    { name: `${id(3)}/layer.tar`, type: "symlink", linkname: `../${id(1)}/layer.tar` },
    { name: cfgName, data: cfg },
    {
      name: "manifest.json",
      data: Buffer.from(
        JSON.stringify([
          {
            Config: cfgName,
            RepoTags: ["busybox:1.36"],
            Layers: [`${id(1)}/layer.tar`, `${id(2)}/layer.tar`, `${id(3)}/layer.tar`],
          },
        ]),
      ),
    },
  ]);
  const [r] = await importImageArchive(store, chunked(archive));
  assert.equal(r!.name, "docker.io/library/busybox:1.36");
  assert.equal(r!.id, sha(cfg));
  const manifest = JSON.parse(store.blobs.get(r!.digest)!.toString());
  assert.equal(manifest.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
  assert.deepEqual(
    manifest.layers.map((l: Descriptor) => l.digest),
    [sha(one), sha(two), sha(one)],
  );
  assert.equal(store.snapshots.size, 3);
});

test("an archive over the size limit is refused", async () => {
  const a = await ociArchive({ name: "x/y:1" });
  await assert.rejects(
    importImageArchive(new MemoryStore(), chunked(a.archive), { maxBytes: 2048 }),
    (err: BasaltError) => {
      assert.equal(err.code, "resource_exhausted");
      return true;
    },
  );
});

test("a layer that does not unpack to its diff_id is refused", async () => {
  const store = new MemoryStore();
  const { one } = await layers();
  const cfg = config([sha(Buffer.from("something else"))]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(cfg), size: cfg.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha(one), size: one.length }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: sha(manifest),
          size: manifest.length,
          annotations: { "io.containerd.image.name": "x/y:1" },
        },
      ],
    }),
  );
  const blob = (b: Buffer) => `blobs/sha256/${sha(b).slice(7)}`;
  const archive = await tar([
    { name: blob(one), data: one },
    { name: blob(cfg), data: cfg },
    { name: blob(manifest), data: manifest },
    { name: "index.json", data: index },
  ]);
  await assert.rejects(importImageArchive(store, chunked(archive)), /unpacks to/);
  assert.equal(store.images.size, 0);
});
