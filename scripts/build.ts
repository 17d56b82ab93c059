import { rmSync, writeFileSync } from "node:fs";
import { build, type Plugin } from "esbuild";
import { builtinsAsRequire } from "../tools/bundle/builtins-as-require.ts";
import { promClientLean } from "../tools/bundle/prom-client-lean.ts";
import { zodLean } from "../tools/bundle/zod-lean.ts";

/**
 * Bundles the shipped programs into single files: fast CLI start-up (one file to parse, no module
 * resolution) and the one file basalt-imager copies into the OS image.
 */
const programs: { entry: string; name: string; plugins?: Plugin[] }[] = [
  // basaltd boots every node: it also takes only prom-client's metric classes.
  { entry: "apps/basaltd/src/main.ts", name: "basaltd", plugins: [promClientLean] },
  { entry: "apps/basaltctl/src/main.ts", name: "basaltctl.main" },
  { entry: "apps/basalt-controller/src/main.ts", name: "basalt-controller" },
  // `basaltctl cluster` runs these beside the CLI bundle: the relay inside a cluster's namespace and
  // the forwarder thread of the host side.
  { entry: "packages/provision/src/relay-main.ts", name: "relay-main" },
  { entry: "packages/provision/src/forwarder-worker.ts", name: "forwarder-worker" },
];

// Chunk names carry content hashes: clear the old ones, or they pile up (and images hash them all).
rmSync("dist/chunks", { recursive: true, force: true });
for (const p of programs) {
  const started = performance.now();
  await build({
    entryPoints: [p.entry],
    outdir: "dist",
    entryNames: p.name,
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    outExtension: { ".js": ".mjs" },
    target: "node24",
    minify: true,
    sourcemap: "linked",
    legalComments: "none",
    // Some dependencies still call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    // Native code cannot be bundled: koffi loads its prebuilt .node file next to its package, so it
    // stays a runtime dependency (basalt-imager copies it into the image beside the bundle).
    external: ["koffi"],
    plugins: [builtinsAsRequire, zodLean, ...(p.plugins ?? [])],
    logLevel: "warning",
  });
  console.log(`built dist/${p.name}.mjs in ${Math.round(performance.now() - started)} ms`);
}

// The CLI starts often and briefly: a launcher turns on V8's on-disk compile cache before loading
// the bundle, which roughly halves start-up once the cache is warm.
writeFileSync(
  "dist/basaltctl.mjs",
  'import { enableCompileCache } from "node:module";\nenableCompileCache?.();\nawait import("./basaltctl.main.mjs");\n',
);
console.log("wrote dist/basaltctl.mjs (launcher)");
