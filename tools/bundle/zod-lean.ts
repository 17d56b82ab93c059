import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Plugin } from "esbuild";

/**
 * What `import { z } from "zod"` holds that a bundle of ours never uses at run time. zod's index
 * re-exports everything as the namespace `z`, and esbuild keeps a namespace object whole: every
 * locale (English is registered by the schemas themselves), JSON Schema import and `core` (used only
 * as types here) went into each bundle — 318 KB of basaltd's 1.5 MB, parsed and run at every start.
 */
export const omittedFromZod = ["core", "locales", "fromJSONSchema"] as const;

/** Names used as `z.<name>` only in type positions: they need no value in the bundle. */
export const typeOnlyZodNames = new Set(["infer", "core"]);

/** zod's classic API (v4/classic/external.js) without the names in `omittedFromZod`. */
const leanIndex = `
export * from "./v4/classic/schemas.js";
export * from "./v4/classic/checks.js";
export * from "./v4/classic/errors.js";
export * from "./v4/classic/parse.js";
export * from "./v4/classic/compat.js";
export { globalRegistry, registry, config, memoizer, $output, $input, $brand, clone, regexes, treeifyError,
  prettifyError, formatError, flattenError, TimePrecision, util, NEVER, INVALID, toZod, compile, withParser,
  ZodCompileAsyncError, ZodCompileUnsupportedError, getDiscriminatedOption } from "./v4/core/index.js";
export { toJSONSchema } from "./v4/core/json-schema-processors.js";
export { deepPartial } from "./v4/classic/deep-partial.js";
export { input, output } from "./v4/classic/in-out.js";
export { ZodISODateTime, ZodISODate, ZodISOTime, ZodISODuration } from "./v4/classic/iso.js";
export * as iso from "./v4/classic/iso.js";
export * as coerce from "./v4/classic/coerce.js";
`;

/** Resolves the bare specifier `zod` to `leanIndex` (as `z`, the default and named exports). */
export const zodLean: Plugin = {
  name: "zod-lean",
  setup(b) {
    const zodDir = dirname(createRequire(import.meta.url).resolve("zod/package.json"));
    b.onResolve({ filter: /^zod$/ }, () => ({ path: "zod", namespace: "zod-lean" }));
    b.onResolve({ filter: /^zod-lean:index$/ }, () => ({ path: "index", namespace: "zod-lean" }));
    b.onLoad({ filter: /.*/, namespace: "zod-lean" }, (a) => ({
      contents:
        a.path === "index"
          ? leanIndex
          : 'import * as z from "zod-lean:index";\nexport * from "zod-lean:index";\nexport { z, z as default };\n',
      resolveDir: zodDir,
      loader: "js",
    }));
  },
};
