import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { builtinsAsRequire } from "./builtins-as-require.ts";
import { bundleForTest } from "./test-bundle.ts";

const { text, mod } = await bundleForTest(
  [
    'import { join } from "node:path";',
    "export const joined = join('a', 'b');",
    'export const later = async () => (await import("node:readline")).createInterface;',
  ].join("\n"),
  [builtinsAsRequire],
);

test("a static import of a built-in becomes a require()", () => {
  assert.equal(mod.joined, join("a", "b"));
  assert.match(text, /require\("node:path"\)/);
  assert.doesNotMatch(text, /^import .* from "node:path"/m);
});

test("a dynamic import of a built-in keeps its named exports", async () => {
  assert.equal(typeof (await mod.later()), "function");
});
