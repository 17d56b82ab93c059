import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Counter, Gauge, Histogram, Registry, Summary } from "prom-client";
import { builtinsAsRequire } from "./builtins-as-require.ts";
import { leanPromClientNames, promClientLean } from "./prom-client-lean.ts";
import { bundleForTest } from "./test-bundle.ts";

const repo = join(import.meta.dirname, "../..");
const bundle = (source: string) => bundleForTest(source, [builtinsAsRequire, promClientLean]);

const lean = await bundle(
  `import { ${leanPromClientNames.join(", ")} } from "prom-client";\nexport { ${leanPromClientNames.join(", ")} };\n`,
);

const realPromClient = { Counter, Gauge, Histogram, Registry, Summary };

test("the lean module exports prom-client's own classes", () => {
  assert.deepEqual(Object.keys(realPromClient).sort(), [...leanPromClientNames].sort());
  for (const n of leanPromClientNames) {
    assert.equal(typeof lean.mod[n], "function", n);
    // The bundle may rename the class; its methods are what must match.
    const methods = (c: { prototype: object }) => Object.getOwnPropertyNames(c.prototype).sort();
    assert.deepEqual(methods(lean.mod[n]), methods(realPromClient[n]), n);
  }
});

test("metrics defined through it render in the exposition format", async () => {
  const registry = new lean.mod.Registry();
  const c = new lean.mod.Counter({ name: "x_total", help: "x", labelNames: ["r"], registers: [registry] });
  c.inc({ r: "a" }, 2);
  assert.match(await registry.metrics(), /^x_total\{r="a"\} 2$/m);
});

test("the bundle leaves out the push gateway, the cluster aggregator and the default metrics", () => {
  for (const builtin of ["http", "https", "cluster", "perf_hooks", "v8"])
    assert.doesNotMatch(lean.text, new RegExp(`require\\("(node:)?${builtin}"\\)`), builtin);
  assert.doesNotMatch(lean.text, /opentelemetry/);
});

/** Names that non-test sources under `dir` import as values from prom-client. */
function promClientValueImports(dir: string): { file: string; name: string }[] {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !f.includes("node_modules"));
  return files.flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/^import (?!type )\{([^}]*)\} from "prom-client"/gm)].flatMap(
      ([, names]) =>
        names!
          .split(",")
          .map((n) => n.trim())
          .filter((n) => n && !n.startsWith("type "))
          .map((name) => ({ file, name })),
    ),
  );
}

// esbuild cannot refuse a missing name in a TypeScript import (it might be a type), so the
// sources that go into basaltd's bundle are checked here instead.
test("every prom-client name basaltd's sources use is in the lean module", () => {
  const used = ["apps/basaltd", "packages"].flatMap((d) => promClientValueImports(join(repo, d)));
  assert.ok(used.length > 0, "the scan found basaltd's metrics");
  const missing = used.filter((u) => !(leanPromClientNames as readonly string[]).includes(u.name));
  assert.deepEqual(missing, []);
});
