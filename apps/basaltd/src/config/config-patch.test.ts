import assert from "node:assert/strict";
import { test } from "node:test";
import type { BasaltError } from "@basalt/machinery";
import { applyJsonPatch, applyMergePatch, parseMergePatch } from "./config-patch.ts";

test("merge patch follows RFC 7396 (its appendix examples)", () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) assert.deepEqual(applyMergePatch(target, patch), want);
});

test("merge patch does not change its input and refuses prototype keys", () => {
  const target = { node: { labels: { a: "1" } } };
  applyMergePatch(target, { node: { labels: { a: null } } });
  assert.deepEqual(target, { node: { labels: { a: "1" } } });
  assert.throws(() => applyMergePatch({}, JSON.parse('{"__proto__":{"x":1}}')), /not allowed/);
});

test("a merge patch must be an object (JSON or YAML)", () => {
  assert.deepEqual(parseMergePatch("node:\n  labels: {a: b}\n"), { node: { labels: { a: "b" } } });
  assert.throws(
    () => parseMergePatch("[1]"),
    (e: BasaltError) => e.code === "invalid_argument" && /must be an object/.test(e.message),
  );
  assert.throws(() => parseMergePatch("{"), /not valid JSON or YAML/);
});

test("JSON Patch applies to a copy, and names the operation that failed", () => {
  const doc = { node: { labels: { a: "1" } }, services: [{ name: "x" }] };
  const out = applyJsonPatch(
    doc,
    JSON.stringify([
      { op: "add", path: "/node/labels/b", value: "2" },
      { op: "remove", path: "/services/0" },
    ]),
  );
  assert.deepEqual(out, { node: { labels: { a: "1", b: "2" } }, services: [] });
  assert.deepEqual(doc.services, [{ name: "x" }], "input unchanged");
  assert.throws(
    () =>
      applyJsonPatch(
        doc,
        JSON.stringify([
          { op: "add", path: "/a", value: 1 },
          { op: "test", path: "/node/labels/a", value: "2" },
        ]),
      ),
    (e: BasaltError) => e.code === "invalid_argument" && /operation 1/.test(e.message),
  );
  assert.throws(() => applyJsonPatch(doc, '[{"op":"move","path":"/x"}]'), /JSON Patch refused \(operation 0/);
  assert.throws(() => applyJsonPatch(doc, '{"op":"add"}'), /must be an array/);
  assert.throws(
    () => applyJsonPatch(doc, JSON.stringify([{ op: "add", path: "/__proto__/polluted", value: 1 }])),
    /JSON Patch refused/,
  );
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
