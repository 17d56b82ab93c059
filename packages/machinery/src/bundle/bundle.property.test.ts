import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { BasaltError } from "../errors.ts";
import { readBundle, writeBundle } from "./bundle-stream.ts";
import { type BundleManifest, parseBundleManifest } from "./manifest.ts";
import { parseOctalSize, tarHeader } from "./tar.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const acceptAll: Parameters<typeof readBundle>[1] = { signature() {}, manifest() {} };

async function drain(bytes: Uint8Array, chunk: number): Promise<void> {
  async function* source() {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  }
  for await (const e of readBundle(source(), acceptAll)) for await (const _ of e.body);
}

async function validBundle(): Promise<Uint8Array> {
  const parts = {
    A: new Uint8Array(700).fill(1),
    B: new Uint8Array(900).fill(2),
    root: new Uint8Array(3000).fill(3),
  };
  const manifest: BundleManifest = {
    format: "basalt-bundle/v1",
    version: "1.2.3",
    arch: "x86_64",
    minUpgradeFrom: "1.0.0",
    uki: {
      A: { file: "uki-a.efi", size: 700, sha256: sha(parts.A) },
      B: { file: "uki-b.efi", size: 900, sha256: sha(parts.B) },
    },
    root: { file: "root.img", size: 3000, sha256: sha(parts.root), verityRootHash: sha(parts.root) },
  };
  const one = (b: Uint8Array) =>
    async function* () {
      yield b;
    };
  const out: Uint8Array[] = [];
  for await (const c of writeBundle({
    manifest: new TextEncoder().encode(JSON.stringify(manifest)),
    signature: new Uint8Array(64),
    components: [
      { name: "uki-a.efi", size: 700, body: one(parts.A) },
      { name: "uki-b.efi", size: 900, body: one(parts.B) },
      { name: "root.img", size: 3000, body: one(parts.root) },
    ],
  }))
    out.push(c);
  return Buffer.concat(out);
}

/** Only BasaltErrors may come out of a parser that sees untrusted bytes: never a RangeError or a hang. */
function onlyBasaltErrors(err: unknown): void {
  assert.ok(err instanceof BasaltError, `not a BasaltError: ${String(err)}`);
}

test("property: arbitrary bytes are never a bundle, and fail with a clear error", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 3000 }),
      fc.integer({ min: 1, max: 1024 }),
      async (bytes, chunk) => {
        await drain(bytes, chunk).then(
          () =>
            assert.ok(
              bytes.every((b) => b === 0),
              "garbage read as a bundle",
            ),
          onlyBasaltErrors,
        );
      },
    ),
    { numRuns: 500 },
  );
});

test("property: a valid bundle with corrupted bytes fails cleanly (or reads, when only data changed)", async () => {
  const good = await validBundle();
  await drain(good, 4096);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.nat({ max: 255 })), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.integer({ min: 1, max: 2000 }),
      fc.option(fc.nat({ max: good.length }), { nil: undefined }),
      async (edits, chunk, cut) => {
        const bad = Uint8Array.from(good);
        for (const [at, v] of edits) bad[at] = v;
        await drain(cut === undefined ? bad : bad.subarray(0, cut), chunk).catch(onlyBasaltErrors);
      },
    ),
    { numRuns: 500 },
  );
});

test("property: tar size fields: only plain octal within ustar's range is a size", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary-ascii", maxLength: 12 }), (field) => {
      const size = parseOctalSize(field);
      if (size !== undefined) {
        assert.ok(
          Number.isSafeInteger(size) && size >= 0 && size < 8 ** 11,
          `${JSON.stringify(field)} → ${size}`,
        );
      }
    }),
    { numRuns: 5000 },
  );
  fc.assert(
    fc.property(fc.nat({ max: 8 ** 11 - 1 }), (n) => {
      const h = Buffer.from(tarHeader("x", n));
      assert.equal(parseOctalSize(h.toString("latin1", 124, 136)), n);
    }),
  );
});

test("property: the manifest parser refuses anything but a valid manifest with a BasaltError", () => {
  const json = fc.oneof(
    fc.json(),
    fc
      .record({
        format: fc.constantFrom("basalt-bundle/v1", "x"),
        version: fc.oneof(fc.constant("1.2.3"), fc.string()),
        arch: fc.constantFrom("x86_64", "aarch64", "mips"),
        minUpgradeFrom: fc.oneof(fc.constant("1.0.0"), fc.string()),
        securityFloor: fc.oneof(fc.constant("9.9.9"), fc.constant("1.0.0"), fc.string()),
      })
      .map((o) => JSON.stringify(o)),
  );
  fc.assert(
    fc.property(fc.oneof(json, fc.string({ unit: "binary" })), (text) => {
      try {
        parseBundleManifest(new TextEncoder().encode(text));
        assert.fail(`accepted ${text}`);
      } catch (err) {
        onlyBasaltErrors(err);
      }
    }),
    { numRuns: 2000 },
  );
});
