import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeObject, PlanObject } from "@basalt/rollout";
import { scopePlans } from "./plan-scope.ts";

const plan = (name: string, created: number, pool?: string, spec?: unknown): PlanObject => ({
  key: name,
  resourceVersion: "1",
  name,
  uid: name,
  generation: 1,
  created,
  finalizers: [],
  spec: spec ?? {
    target: { os: { version: "1", bundleUrl: "https://x.test/b" } },
    budget: { maxUnavailable: 1 },
    ...(pool ? { nodeSelector: { matchLabels: { pool } } } : {}),
  },
});
const node = (name: string, pool: string) => ({ key: name, name, labels: { pool } }) as unknown as NodeObject;

test("a node belongs to the newest valid plan that selects it", () => {
  const scoped = scopePlans(
    [plan("old-all", 1), plan("new-gpu", 2, "gpu"), plan("broken", 3, undefined, { budget: {} })],
    [node("a", "gpu"), node("b", "cpu")],
  );
  const nodesOf = (name: string) => scoped.find((s) => s.plan.name === name)!.nodes.map((n) => n.name);
  assert.deepEqual(nodesOf("new-gpu"), ["a"]);
  assert.deepEqual(nodesOf("old-all"), ["b"]);
  assert.deepEqual(nodesOf("broken"), []);
  assert.ok(scoped.find((s) => s.plan.name === "broken")!.problems!.length > 0);
});
