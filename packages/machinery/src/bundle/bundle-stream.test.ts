import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { BasaltError } from "../errors.ts";
import { readBundle, writeBundle } from "./bundle-stream.ts";
import type { BundleManifest } from "./manifest.ts";

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const ukiA = bytes(1000, 1);
const ukiB = bytes(1500, 2);
const root = bytes(70_000, 3);
const manifest: BundleManifest = {
  format: "basalt-bundle/v1",
  version: "1.1.0",
  arch: "x86_64",
  minUpgradeFrom: "1.0.0",
  uki: {
    A: { file: "uki-a.efi", size: ukiA.length, sha256: sha(ukiA) },
    B: { file: "uki-b.efi", size: ukiB.length, sha256: sha(ukiB) },
  },
  root: { file: "root.img", size: root.length, sha256: sha(root), verityRootHash: "0".repeat(64) },
};
const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));

async function bundle(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of writeBundle({
    manifest: manifestBytes,
    signature: new Uint8Array(64),
    components: [
      {
        name: "uki-a.efi",
        size: ukiA.length,
        body: async function* () {
          yield ukiA;
        },
      },
      {
        name: "uki-b.efi",
        size: ukiB.length,
        body: async function* () {
          yield ukiB;
        },
      },
      {
        name: "root.img",
        size: root.length,
        body: async function* () {
          yield root.subarray(0, 100);
          yield root.subarray(100);
        },
      },
    ],
  }))
    chunks.push(c);
  return Buffer.concat(chunks);
}

async function* chunked(b: Uint8Array, size: number) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

const acceptAll: Parameters<typeof readBundle>[1] = { signature() {}, manifest() {} };

async function readAll(b: Uint8Array, chunk = 777, verify = acceptAll) {
  const out: Record<string, string> = {};
  for await (const e of readBundle(chunked(b, chunk), verify)) {
    const parts: Uint8Array[] = [];
    for await (const c of e.body) parts.push(c);
    out[e.name] = sha(Buffer.concat(parts));
  }
  return out;
}

test("round trip in arbitrary chunk sizes", async () => {
  const b = await bundle();
  assert.equal(b.length % 512, 0);
  for (const size of [1, 511, 512, 4096, 1 << 20]) {
    assert.deepEqual(await readAll(b, size), {
      "uki-a.efi": sha(ukiA),
      "uki-b.efi": sha(ukiB),
      "root.img": sha(root),
    });
  }
});

test("the same inputs give the same bytes", async () => {
  assert.equal(sha(await bundle()), sha(await bundle()));
});

test("verification runs before any component is read", async () => {
  const b = await bundle();
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const e of readBundle(chunked(b, 4096), {
        signature() {
          throw new BasaltError("permission_denied", "untrusted");
        },
        manifest() {},
      }))
        seen.push(e.name);
    })(),
    /untrusted/,
  );
  assert.deepEqual(seen, []);
});

test("truncation anywhere is reported as truncation", async () => {
  const b = await bundle();
  for (const cut of [100, 700, 2000, 4000, b.length - 2000]) {
    await assert.rejects(readAll(b.subarray(0, cut)), /truncated|ends before/, `cut at ${cut}`);
  }
});

test("a component whose size disagrees with the signed manifest is refused", async () => {
  const other = JSON.stringify({ ...manifest, root: { ...manifest.root, size: root.length + 1 } });
  const rebuilt: Uint8Array[] = [];
  for await (const c of writeBundle({
    manifest: new TextEncoder().encode(other),
    signature: new Uint8Array(64),
    components: [
      {
        name: "uki-a.efi",
        size: ukiA.length,
        body: async function* () {
          yield ukiA;
        },
      },
      {
        name: "uki-b.efi",
        size: ukiB.length,
        body: async function* () {
          yield ukiB;
        },
      },
      {
        name: "root.img",
        size: root.length,
        body: async function* () {
          yield root;
        },
      },
    ],
  }))
    rebuilt.push(c);
  await assert.rejects(
    readAll(Buffer.concat(rebuilt)),
    /root\.img is 70000 bytes but the signed manifest says 70001/,
  );
});

test("garbage is not a bundle", async () => {
  await assert.rejects(readAll(new Uint8Array(2048).fill(7)), /not a Basalt bundle/);
});

test("the signature is checked over the raw bytes before the manifest is parsed", async () => {
  const corrupt = new TextEncoder().encode("{ this is not json, and not signed");
  const chunks: Uint8Array[] = [];
  for await (const c of writeBundle({ manifest: corrupt, signature: new Uint8Array(64), components: [] }))
    chunks.push(c);
  const order: string[] = [];
  await assert.rejects(
    readAll(Buffer.concat(chunks), 512, {
      signature(bytes) {
        order.push(`signature over ${bytes.length} bytes`);
        throw new BasaltError("permission_denied", "bundle refused: not signed by a trusted key");
      },
      manifest() {
        order.push("manifest");
      },
    }),
    /not signed by a trusted key/,
  );
  assert.deepEqual(order, [`signature over ${corrupt.length} bytes`]);
});

test("tar headers with negative, NaN or oversized sizes are refused", async () => {
  const b = await bundle();
  for (const field of [
    "-0000000001\0",
    "zzzzzzzzzzz\0",
    "77777777777777",
    "\x80\0\0\0\0\0\0\0\0\0\0\x01",
    "1e3        \0",
    "           \0",
  ]) {
    const bad = Buffer.from(b);
    bad.write(field.padEnd(12, "\0").slice(0, 12), 124, "latin1");
    // Keep the checksum valid, so only the size is wrong.
    bad.fill(" ", 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += bad[i]!;
    bad.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    await assert.rejects(readAll(bad), /invalid size field/, JSON.stringify(field));
  }
});
