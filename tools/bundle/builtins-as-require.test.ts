import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { build } from "esbuild";
import { builtinsAsRequire } from "./builtins-as-require.ts";

const work = mkdtempSync(join(tmpdir(), "builtins-as-require-"));
after(() => rmSync(work, { recursive: true, force: true }));

const entry = join(work, "entry.ts");
writeFileSync(
  entry,
  [
    'import { join } from "node:path";',
    "export const joined = join('a', 'b');",
    'export const later = async () => (await import("node:readline")).createInterface;',
  ].join("\n"),
);
await build({
  entryPoints: [entry],
  outdir: join(work, "out"),
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  plugins: [builtinsAsRequire],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "error",
});
const out = join(work, "out/entry.mjs");
const mod = await import(out);

test("a static import of a built-in becomes a require()", () => {
  assert.equal(mod.joined, join("a", "b"));
  assert.match(readFileSync(out, "utf8"), /require\("node:path"\)/);
  assert.doesNotMatch(readFileSync(out, "utf8"), /^import .* from "node:path"/m);
});

test("a dynamic import of a built-in keeps its named exports", async () => {
  assert.equal(typeof (await mod.later()), "function");
});
