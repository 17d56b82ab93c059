import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  type Edge,
  findCycle,
  importSpecifiers,
  layers,
  readEdges,
  readWorkspaces,
  violations,
  type Workspace,
} from "./import-graph.ts";

const root = join(import.meta.dirname, "..", "..");

test("the import graph: apps on top of packages, no app→app, no package→app, no cycle, no test kit in production", (t) => {
  const workspaces = readWorkspaces(root);
  assert.ok(workspaces.length >= 10, "found the workspaces");
  const edges = readEdges(root, workspaces);
  assert.ok(edges.some((e) => e.from === "apps/basalt-controller" && e.to === "packages/rollout"));
  for (const line of layers(workspaces, edges)) t.diagnostic(line);
  assert.deepEqual(violations(workspaces, edges), []);
});

test("every package.json exports and bin entry names a file that exists", () => {
  for (const w of readWorkspaces(root)) {
    const pkg = JSON.parse(readFileSync(join(root, w.dir, "package.json"), "utf8")) as {
      exports?: Record<string, string>;
      bin?: Record<string, string>;
    };
    for (const [key, file] of Object.entries({ ...pkg.exports, ...pkg.bin }))
      assert.ok(existsSync(join(root, w.dir, file)), `${w.dir}/package.json ${key}: ${file} does not exist`);
  }
});

const ws = (dir: string, kind: Workspace["kind"], deps: string[] = []): Workspace => ({
  dir,
  name: `@basalt/${dir.split("/")[1]}`,
  kind,
  dependencies: new Set(deps),
});
const edge = (from: string, to: string, test = false): Edge => ({ file: `${from}/src/x.ts`, from, to, test });

test("the rules catch what they are for (app→app, package→app, cycles, test kit, undeclared)", () => {
  const workspaces = [
    ws("apps/a", "app", ["@basalt/b", "@basalt/p"]),
    ws("apps/b", "app"),
    ws("packages/p", "package", ["@basalt/q"]),
    ws("packages/q", "package", ["@basalt/p"]),
    ws("packages/testkit", "package", ["@basalt/p"]),
  ];
  const found = violations(workspaces, [
    edge("apps/a", "apps/b"),
    edge("packages/p", "apps/b", true),
    edge("packages/p", "packages/q"),
    edge("packages/q", "packages/p"),
    edge("apps/a", "packages/testkit"),
    edge("apps/b", "packages/p"),
  ]);
  assert.equal(found.length, 6, found.join("\n"));
  assert.match(found.join("\n"), /an app imports another app/);
  assert.match(found.join("\n"), /a package imports an app/);
  assert.match(found.join("\n"), /import cycle between packages: packages\/p → packages\/q → packages\/p/);
  assert.match(found.join("\n"), /production code imports the test kit/);
  assert.match(found.join("\n"), /does not declare/);
  // A test importing the test kit, which imports the package under test, is not a cycle.
  assert.deepEqual(
    violations(workspaces.slice(2), [
      edge("packages/p", "packages/testkit", true),
      edge("packages/testkit", "packages/p"),
    ]),
    [],
  );
  assert.equal(findCycle([edge("x", "y"), edge("y", "z")]), undefined);
});

test("import specifiers: static, type-only, re-exports, dynamic and side-effect imports; not comments", () => {
  const source = [
    'import { a } from "./a.ts";',
    'import type {\n  B,\n} from "@basalt/b";',
    'export { c } from "../c.ts";',
    'import "reflect-metadata";',
    'const d = () => import("@basalt/d");',
    '// import { e } from "@basalt/e";',
    '/** import { f } from "@basalt/f"; */',
  ].join("\n");
  assert.deepEqual(importSpecifiers(source).sort(), [
    "../c.ts",
    "./a.ts",
    "@basalt/b",
    "@basalt/d",
    "reflect-metadata",
  ]);
});

test("the README's Layout names folders that exist, and every app and package", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /## Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  assert.ok(block.length > 0, "README has a Layout block");
  // Paths: the first word of a line, and the second column ("test/k8s", "tools/").
  const named = [
    ...block.matchAll(/(?:^|\s{2,})((?:apps|packages|proto|deploy|test|bench|tools)\/[\w./-]*)/gm),
  ].map((m) => m[1]!.replace(/\/$/, ""));
  assert.ok(named.length > 10, `found ${named.join(", ")}`);
  for (const path of named)
    assert.ok(existsSync(join(root, path)), `README Layout names ${path}, which does not exist`);
  for (const w of readWorkspaces(root)) assert.ok(named.includes(w.dir), `README Layout omits ${w.dir}`);
});
