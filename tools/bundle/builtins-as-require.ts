import { isBuiltin } from "node:module";
import type { Plugin } from "esbuild";

/**
 * Turns `import … from "node:fs"` (any Node built-in) into a `require()` in the bundle. In ESM, Node
 * builds a built-in's ESM facade by reading every export, lazy getters included: node:http's load
 * undici, node:fs's its streams, node:net's BlockList, node:crypto's the whole of webcrypto. Under
 * emulation that was a good part of basaltd's start-up (compiling built-ins no code path uses);
 * through require() only the properties the code touches are read. The bundle's banner defines
 * `require` (createRequire). A dynamic `import("node:…")` stays a native import(): through require()
 * it would land in a chunk whose only export is `default`, and `(await import(…)).name` would be
 * undefined.
 */
export const builtinsAsRequire: Plugin = {
  name: "builtins-as-require",
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (a) => {
      if (!isBuiltin(a.path)) return undefined;
      if (a.kind === "dynamic-import") return { path: a.path, external: true };
      return a.namespace === "builtin-require"
        ? { path: a.path, external: true }
        : { path: a.path, namespace: "builtin-require" };
    });
    b.onLoad({ filter: /.*/, namespace: "builtin-require" }, (a) => ({
      contents: `module.exports = require(${JSON.stringify(a.path)});`,
      loader: "js",
    }));
  },
};
