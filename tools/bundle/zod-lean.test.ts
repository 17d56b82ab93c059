import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as realZod from "zod";
import { bundleForTest } from "./test-bundle.ts";
import { omittedFromZod, typeOnlyZodNames, zodLean } from "./zod-lean.ts";

const repo = join(import.meta.dirname, "../..");
const entry =
  'import { z } from "zod";\nimport zDefault from "zod";\nimport { string } from "zod";\nexport { z, zDefault, string };\n';
const lean = await bundleForTest(entry, [zodLean]);
const full = await bundleForTest(entry, []);

test("the lean zod exports everything zod's index does, but the omitted names", () => {
  const expected = Object.keys(realZod.z).filter((k) => !(omittedFromZod as readonly string[]).includes(k));
  assert.deepEqual(Object.keys(lean.mod.z).sort(), expected.sort());
  assert.equal(lean.mod.zDefault, lean.mod.z, "default export is z");
  assert.equal(lean.mod.string, lean.mod.z.string, "named exports are z's");
});

test("it is a fraction of the whole of zod in a bundle", () => {
  assert.ok(lean.size < full.size / 2, `lean ${lean.size} B against ${full.size} B`);
});

test("errors keep zod's English messages (the schemas register the locale themselves)", () => {
  const schema = (z: typeof realZod.z) => z.strictObject({ a: z.string().max(3), n: z.int() });
  const input = { a: "abcde", n: 1.5, extra: true };
  const leanIssues = schema(lean.mod.z).safeParse(input).error?.issues;
  assert.ok(leanIssues && leanIssues.length === 3);
  assert.deepEqual(leanIssues, schema(realZod.z).safeParse(input).error?.issues);
});

/** Non-test .ts files under `dir` that import zod. */
function zodUsers(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !f.includes("node_modules") && /from "zod"/.test(readFileSync(f, "utf8")));
}

test("every z.<name> our sources use is in the lean zod (or used only as a type)", () => {
  const files = ["packages", "apps", "tools"].flatMap((d) => zodUsers(join(repo, d)));
  assert.ok(files.length > 5, "the scan found the sources that use zod");
  const missing: string[] = [];
  for (const f of files)
    for (const [, name] of readFileSync(f, "utf8").matchAll(/\bz\.([A-Za-z_$][\w$]*)/g))
      if (!(name! in lean.mod.z) && !typeOnlyZodNames.has(name!)) missing.push(`${f}: z.${name}`);
  assert.deepEqual(missing, []);
});
