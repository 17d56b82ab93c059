import assert from "node:assert/strict";
import { test } from "node:test";
import { annotationKeys, readUpgradeAnnotations, upgradeAnnotationsPatch } from "./annotations.ts";
import type { NodeUpgradeState } from "./cluster-state.ts";

const full: NodeUpgradeState = {
  phase: "verifying",
  since: Date.parse("2025-06-02T10:00:00.123Z"),
  attempts: 2,
  lastError: "drain blocked",
  target: "os=1.1.0,k8s=1.34.2",
  batch: 3,
  bootId: "b-1",
  pdbs: ["default/web", "kube-system/dns"],
};

const strip = (patch: Record<string, string | null>) =>
  Object.fromEntries(Object.entries(patch).filter((e): e is [string, string] => e[1] !== null));

test("annotations: state survives the round trip", () => {
  assert.deepEqual(readUpgradeAnnotations(strip(upgradeAnnotationsPatch(full, true))), {
    cordonedByUs: true,
    upgrade: full,
  });
  const minimal: NodeUpgradeState = { phase: "cordoned", since: 0, attempts: 1, target: "reboot" };
  assert.deepEqual(readUpgradeAnnotations(strip(upgradeAnnotationsPatch(minimal, false))), {
    cordonedByUs: false,
    upgrade: minimal,
  });
});

test("annotations: clearing removes every key", () => {
  const patch = upgradeAnnotationsPatch(undefined, false);
  assert.ok(Object.values(annotationKeys).every((k) => patch[k] === null));
});

test("annotations: malformed state is dropped rather than guessed", () => {
  const good = strip(upgradeAnnotationsPatch(full, true));
  for (const [key, value] of [
    [annotationKeys.phase, "exploding"],
    [annotationKeys.since, "yesterday"],
  ] as const) {
    assert.deepEqual(readUpgradeAnnotations({ ...good, [key]: value }), { cordonedByUs: true }, key);
  }
  const { [annotationKeys.target]: _, ...noTarget } = good;
  assert.deepEqual(readUpgradeAnnotations(noTarget), { cordonedByUs: true });
  assert.equal(readUpgradeAnnotations({ ...good, [annotationKeys.attempts]: "x" }).upgrade?.attempts, 0);
});

test("annotations: someone else's cordon annotation is not ours", () => {
  assert.equal(readUpgradeAnnotations({ [annotationKeys.cordonedBy]: "kured" }).cordonedByUs, false);
});
