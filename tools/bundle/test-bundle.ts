import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { build, type Plugin } from "esbuild";

const repo = join(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "basalt-bundle-test-"));
after(() => rmSync(work, { recursive: true, force: true }));
let count = 0;

/**
 * For the bundle plugins' tests: bundles `source` (a TypeScript module) as scripts/build.ts does —
 * ESM for Node, code splitting, the banner that defines `require` — with `plugins`, and imports the
 * entry. Rejects with esbuild's errors.
 */
export async function bundleForTest(
  source: string,
  plugins: Plugin[],
  // biome-ignore lint/suspicious/noExplicitAny: the exports are whatever the test bundled
): Promise<{ text: string; size: number; mod: any }> {
  const dir = join(work, String(count++));
  mkdirSync(dir);
  const entry = join(dir, "entry.ts");
  writeFileSync(entry, source);
  await build({
    entryPoints: [entry],
    outdir: join(dir, "out"),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    plugins,
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: "silent",
    nodePaths: [join(repo, "node_modules")],
  });
  const out = join(dir, "out/entry.mjs");
  const text = readFileSync(out, "utf8");
  return { text, size: text.length, mod: await import(out) };
}
