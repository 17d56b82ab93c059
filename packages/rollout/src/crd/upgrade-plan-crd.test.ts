import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { validatePlanSpec } from "../planner/plan-spec-schema.ts";
import { structural } from "./openapi.ts";
import { upgradePlanCrd, upgradePlanCrdYaml } from "./upgrade-plan-crd.ts";
import { upgradePlanSchema } from "./upgrade-plan-schema.ts";

const crdFile = new URL("../../../../deploy/crd.yaml", import.meta.url);

/** A spec that uses every field the planner knows, so the schema can be checked to cover each one. */
const everyField = {
  target: {
    os: { version: "1.4.0", bundleUrl: "https://example.test/1.4.0.bundle" },
    kubernetes: { version: "1.34.4" },
    rebootPending: true,
  },
  nodeSelector: {
    matchLabels: { pool: "a" },
    matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }],
  },
  budget: { maxUnavailable: "10%", perZone: 1, zoneLabel: "topology.kubernetes.io/zone" },
  progression: { canary: 1, batchSize: "20%", soakSeconds: 60 },
  windows: [{ days: ["Sat", "Sun"], start: "02:00", end: "06:00", timeZone: "Europe/Berlin" }],
  exclusions: ["2026-12-24"],
  exclusionTimeZone: "UTC",
  priority: "critical",
  criticalBudget: { maxUnavailable: 1, perZone: 1 },
  drain: { timeoutSeconds: 600, gracePeriodSeconds: 30, onBlocked: "wait" },
  health: {
    readySeconds: 60,
    notReadyTimeoutSeconds: 600,
    upgradeTimeoutSeconds: 1800,
    verifyTimeoutSeconds: 900,
    requireNodeHealthy: true,
    requireWorkloadsReady: true,
  },
  failure: { maxFailed: "5%", onFailure: "rollback", leaveCordoned: false },
  paused: false,
};

test("the example uses every field and is valid", () => {
  assert.deepEqual(validatePlanSpec(everyField), []);
});

type Node = Record<string, unknown>;

/** Every schema node of `schema`, with its path. */
function walk(schema: Node, path = "", out: [string, Node][] = []): [string, Node][] {
  out.push([path, schema]);
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Node>))
    walk(v, `${path}.${k}`, out);
  if (schema.items) walk(schema.items as Node, `${path}[]`, out);
  if (typeof schema.additionalProperties === "object")
    walk(schema.additionalProperties as Node, `${path}{}`, out);
  return out;
}

test("the CRD schema is structural: every node typed (or int-or-string / preserve-unknown), no unions", () => {
  for (const [path, node] of walk(upgradePlanSchema)) {
    const opaque =
      node["x-kubernetes-int-or-string"] === true || node["x-kubernetes-preserve-unknown-fields"] === true;
    assert.ok(opaque || typeof node.type === "string", `${path || "(root)"} has no type`);
    for (const banned of ["anyOf", "oneOf", "allOf", "$schema", "propertyNames", "$ref"])
      assert.ok(!(banned in node), `${path}: ${banned}`);
    assert.notEqual(node.additionalProperties, false, `${path}: additionalProperties: false`);
  }
});

test("the CEL rules of int-or-string quantities are kept, with the minimum of each", () => {
  const rules = walk(upgradePlanSchema)
    .filter(([, n]) => n["x-kubernetes-validations"])
    .map(([path, n]) => [path, (n["x-kubernetes-validations"] as { rule: string }[])[0]!.rule] as const);
  assert.deepEqual(
    rules.map(([path]) => path),
    [
      ".spec.budget.maxUnavailable",
      ".spec.budget.perZone",
      ".spec.progression.batchSize",
      ".spec.criticalBudget.maxUnavailable",
      ".spec.criticalBudget.perZone",
      ".spec.failure.maxFailed",
    ],
  );
  assert.match(rules.find(([p]) => p === ".spec.failure.maxFailed")![1], /self >= 0/);
  assert.match(rules.find(([p]) => p === ".spec.budget.maxUnavailable")![1], /self >= 1/);
});

test("structural() drops what zod emits and a CRD may not hold, and keeps x-kubernetes-* data", () => {
  const out = structural({
    $schema: "x",
    type: "object",
    additionalProperties: false,
    propertyNames: { type: "string" },
    properties: {
      n: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      q: {
        anyOf: [{ type: "integer" }],
        "x-kubernetes-int-or-string": true,
        "x-kubernetes-validations": [{ rule: "r" }],
      },
      t: { type: "string", format: "date-time", pattern: "^…$" },
    },
  });
  assert.deepEqual(out, {
    type: "object",
    properties: {
      n: { type: "integer", minimum: 0 },
      q: { "x-kubernetes-int-or-string": true, "x-kubernetes-validations": [{ rule: "r" }] },
      t: { type: "string", format: "date-time" },
    },
  });
});

test("deploy/crd.yaml is generated from the TypeScript CRD", () => {
  assert.equal(
    readFileSync(crdFile, "utf8"),
    upgradePlanCrdYaml(),
    "regenerate: node packages/rollout/src/crd/print-crd.ts > deploy/crd.yaml",
  );
});

test("cluster-scoped, with a status subresource and printer columns", () => {
  assert.equal(upgradePlanCrd.spec.scope, "Cluster");
  const v = upgradePlanCrd.spec.versions[0];
  assert.deepEqual(v.subresources, { status: {} });
  assert.ok(v.additionalPrinterColumns.some((c) => c.name === "Phase"));
});
