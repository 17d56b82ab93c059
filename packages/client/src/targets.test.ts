import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClientContext } from "@basalt/machinery";
import { resolveTargets } from "./targets.ts";

const ctx: ClientContext = {
  ca: "",
  cert: "",
  key: "",
  nodes: [
    { name: "a", endpoint: "127.0.0.2:50000", labels: { role: "worker", zone: "1" } },
    { name: "b", endpoint: "127.0.0.3:50000", labels: { role: "worker", zone: "2" } },
    { name: "c", endpoint: "127.0.0.4:50000", labels: { role: "control" } },
  ],
};
const names = (t: { node: string }[]) => t.map((x) => x.node);

test("reads default to all nodes; mutations must name them", () => {
  assert.deepEqual(names(resolveTargets(ctx, {}, { mutating: false })), ["a", "b", "c"]);
  assert.throws(() => resolveTargets(ctx, {}, { mutating: true }), /no nodes were named/);
  assert.deepEqual(names(resolveTargets(ctx, { nodes: ["all"] }, { mutating: true })), ["a", "b", "c"]);
});

test("-n by name or address, -e by endpoint, -l by labels", () => {
  assert.deepEqual(names(resolveTargets(ctx, { nodes: ["b", "127.0.0.4"] }, { mutating: true })), ["b", "c"]);
  assert.deepEqual(resolveTargets(ctx, { endpoints: ["127.0.0.9"] }, { mutating: false }), [
    { node: "127.0.0.9:50000", endpoint: "127.0.0.9:50000" },
  ]);
  assert.deepEqual(names(resolveTargets(ctx, { selector: "role=worker,zone!=2" }, { mutating: true })), [
    "a",
  ]);
  assert.throws(
    () => resolveTargets(ctx, { nodes: ["zzz"] }, { mutating: false }),
    (e: unknown) => (e as { hint: string }).hint.includes("known nodes: a, b, c"),
  );
  assert.throws(
    () => resolveTargets(ctx, { selector: "role=gpu" }, { mutating: false }),
    /no node in the context matches/,
  );
});
