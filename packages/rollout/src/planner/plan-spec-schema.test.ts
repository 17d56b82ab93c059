import assert from "node:assert/strict";
import { test } from "node:test";
import { resolvePlanSpec, targetKey, type UpgradePlanSpec } from "./plan-spec.ts";
import { checkPlanSpec, validatePlanSpec } from "./plan-spec-schema.ts";

const minimal = { target: { kubernetes: { version: "1.34.2" } }, budget: { maxUnavailable: "10%" } };

const complete: UpgradePlanSpec = {
  target: {
    os: { version: "1.1.0", bundleUrl: "https://releases.test/1.1.0" },
    kubernetes: { version: "v1.34.2" },
  },
  nodeSelector: {
    matchLabels: { pool: "general" },
    matchExpressions: [{ key: "gpu", operator: "DoesNotExist" }],
  },
  budget: { maxUnavailable: 2, perZone: "50%", zoneLabel: "zone" },
  progression: { canary: ["n1"], batchSize: "25%", soakSeconds: 600 },
  windows: [{ days: ["Sat", "Sun"], start: "22:00", end: "04:00", timeZone: "Europe/Berlin" }],
  exclusions: ["2025-12-24"],
  exclusionTimeZone: "Europe/Berlin",
  priority: "critical",
  criticalBudget: { maxUnavailable: 1 },
  drain: { timeoutSeconds: 300, gracePeriodSeconds: 30, onBlocked: "skip" },
  health: { readySeconds: 120, requireWorkloadsReady: false },
  failure: { maxFailed: 0, onFailure: "rollback", leaveCordoned: true },
  paused: false,
};

test("validation: a minimal and a complete spec are valid", () => {
  assert.deepEqual(validatePlanSpec(minimal), []);
  assert.deepEqual(validatePlanSpec(complete), []);
  assert.ok("spec" in checkPlanSpec(minimal));
});

test("validation: every problem is listed by its path", () => {
  const bad = {
    target: { os: { version: "", bundleUrl: "ftp://x" } },
    nodeSelector: {
      matchExpressions: [
        { key: "k", operator: "In" },
        { key: "k", operator: "Exists", values: ["v"] },
      ],
    },
    budget: { maxUnavailable: "0%", perZone: 0 },
    progression: { canary: ["a", "a"], batchSize: "150%", soakSeconds: -1 },
    windows: [{ days: ["Funday"], start: "25:00", end: "25:00", timeZone: "Mars/Olympus" }],
    exclusions: ["2025-02-30"],
    priority: "urgent",
    drain: { onBlocked: "yolo", timeoutSeconds: 0 },
    health: { readySeconds: 1.5, requireNodeHealthy: "yes" },
    failure: { maxFailed: -1, onFailure: "retry" },
    paused: "no",
    bogus: 1,
  };
  const problems = Object.fromEntries(validatePlanSpec(bad).map((p) => [p.path, p.message]));
  assert.deepEqual(Object.keys(problems).sort(), [
    "bogus",
    "budget.maxUnavailable",
    "budget.perZone",
    "drain.onBlocked",
    "drain.timeoutSeconds",
    "exclusions.0",
    "failure.maxFailed",
    "failure.onFailure",
    "health.readySeconds",
    "health.requireNodeHealthy",
    "nodeSelector.matchExpressions.0.values",
    "nodeSelector.matchExpressions.1.values",
    "paused",
    "priority",
    "progression.batchSize",
    "progression.canary.1",
    "progression.soakSeconds",
    "target.os.bundleUrl",
    "target.os.version",
    "windows.0.days.0",
    "windows.0.end",
    "windows.0.start",
    "windows.0.timeZone",
  ]);
  assert.equal(problems["windows.0.timeZone"], 'unknown time zone "Mars/Olympus"');
  assert.equal(problems["nodeSelector.matchExpressions.0.values"], "In needs at least one value");
});

test("validation: a target must name something to do", () => {
  assert.deepEqual(validatePlanSpec({ target: {}, budget: { maxUnavailable: 1 } }), [
    { path: "target", message: "expected os, kubernetes, or rebootPending: true" },
  ]);
  assert.deepEqual(validatePlanSpec("plan"), [{ path: "(root)", message: "expected an object" }]);
  assert.deepEqual(validatePlanSpec({ target: { rebootPending: true } }), [
    { path: "budget", message: "expected an object" },
  ]);
});

test("validation: defaults are filled in one place", () => {
  const r = resolvePlanSpec(minimal as UpgradePlanSpec);
  assert.equal(r.budget.zoneLabel, "topology.kubernetes.io/zone");
  assert.deepEqual(r.progression, { canary: 1, batchSize: undefined, soakSeconds: 0 });
  assert.equal(r.drain.onBlocked, "wait");
  assert.deepEqual(r.failure, { maxFailed: 1, onFailure: "rollback", leaveCordoned: false });
  assert.equal(r.exclusionTimeZone, "UTC");
  assert.equal(resolvePlanSpec(complete).exclusionTimeZone, "Europe/Berlin");
  assert.equal(targetKey(complete.target), "os=1.1.0,k8s=v1.34.2");
});
