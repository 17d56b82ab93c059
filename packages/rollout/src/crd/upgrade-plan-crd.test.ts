import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { validatePlanSpec } from "../planner/plan-spec-validation.ts";
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

type Schema = { properties?: Record<string, Schema>; items?: Schema };

/** Every object path of `value` ("budget.maxUnavailable", "windows[].days"). */
function paths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value))
    return value.length && typeof value[0] === "object" ? paths(value[0], `${prefix}[]`) : [];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    `${prefix}${prefix ? "." : ""}${k}`,
    ...paths(v, `${prefix}${prefix ? "." : ""}${k}`),
  ]);
}

function lookup(schema: Schema, path: string): Schema | undefined {
  let s: Schema | undefined = schema;
  for (const part of path.split(".")) {
    const array = part.endsWith("[]");
    s = s?.properties?.[array ? part.slice(0, -2) : part];
    if (array) s = s?.items;
  }
  return s;
}

test("the example uses every field and is valid", () => {
  assert.deepEqual(validatePlanSpec(everyField), []);
});

test("the CRD schema has a property for every spec field the planner reads", () => {
  const spec = (upgradePlanSchema.properties as Record<string, Schema>).spec!;
  for (const path of paths(everyField)) {
    if (path.startsWith("nodeSelector.matchLabels.")) continue;
    assert.ok(lookup(spec, path), `spec.${path} missing from the CRD schema`);
  }
});

test("deploy/crd.yaml is generated from the TypeScript CRD", () => {
  assert.equal(
    readFileSync(crdFile, "utf8"),
    upgradePlanCrdYaml(),
    "regenerate: node apps/basalt-controller/src/crd/print-crd.ts > deploy/crd.yaml",
  );
});

test("cluster-scoped, with a status subresource and printer columns", () => {
  assert.equal(upgradePlanCrd.spec.scope, "Cluster");
  const v = upgradePlanCrd.spec.versions[0];
  assert.deepEqual(v.subresources, { status: {} });
  assert.ok(v.additionalPrinterColumns.some((c) => c.name === "Phase"));
});
