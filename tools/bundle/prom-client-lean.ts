import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Plugin } from "esbuild";

/** The metric types and registry a daemon defines its metrics with: all basaltd takes from prom-client. */
export const leanPromClientNames = ["Registry", "Counter", "Gauge", "Histogram", "Summary"] as const;

/**
 * Resolves `prom-client` to its metric classes only. Its index also loads the push gateway client
 * (node:http, node:https), the cluster aggregator (node:cluster), the default process metrics
 * (node:perf_hooks, node:v8, @opentelemetry/api): 13 built-in modules and 60 KB of code that basaltd
 * compiled at every boot and never ran. prom-client-lean.test.ts checks that basaltd's sources use
 * no other name. For basaltd only: the controller collects the default metrics.
 */
export const promClientLean: Plugin = {
  name: "prom-client-lean",
  setup(b) {
    const dir = dirname(createRequire(import.meta.url).resolve("prom-client/package.json"));
    b.onResolve({ filter: /^prom-client$/ }, () => ({ path: "prom-client", namespace: "prom-client-lean" }));
    b.onLoad({ filter: /.*/, namespace: "prom-client-lean" }, () => ({
      contents: [
        ...leanPromClientNames.map((n) => `import ${n} from "./lib/${n.toLowerCase()}.js";`),
        `export { ${leanPromClientNames.join(", ")} };`,
      ].join("\n"),
      resolveDir: dir,
      loader: "js",
    }));
  },
};
