import assert from "node:assert/strict";
import { test } from "node:test";
import { simKeys } from "@basalt/rollout";
import { parseAllDocuments } from "yaml";
import { simulationStagesYaml } from "./kwok-stages.ts";

interface Stage {
  metadata: { name: string };
  spec: { selector?: { matchExpressions?: { key: string }[] }; next?: { statusTemplate?: string } };
}

test("the simulation's stages are the vendored ones with the power gate and kept transition times", () => {
  const stages = parseAllDocuments(simulationStagesYaml()).map((d) => d.toJS() as Stage);
  const byName = new Map(stages.map((s) => [s.metadata.name, s]));
  assert.deepEqual(
    [...byName.keys()],
    ["node-initialize", "node-heartbeat-with-lease", "pod-ready", "pod-complete", "pod-delete"],
  );
  const gated = (name: string) =>
    byName.get(name)?.spec.selector?.matchExpressions?.some((e) => e.key.includes(simKeys.power)) ?? false;
  assert.ok(gated("node-initialize") && gated("node-heartbeat-with-lease"));
  assert.ok(!gated("pod-ready"));
  const heartbeat = byName.get("node-heartbeat-with-lease")?.spec.next?.statusTemplate ?? "";
  assert.match(heartbeat, /range \.status\.conditions/);
  assert.match(heartbeat, /lastTransitionTime: \{\{ \.lastTransitionTime \| Quote \}\}/);
  assert.doesNotMatch(byName.get("node-initialize")?.spec.next?.statusTemplate ?? "", /creationTimestamp/);
});

test("read as YAML 1.1 (as kwok reads it), every selector value is still a string", () => {
  const stages = parseAllDocuments(simulationStagesYaml(), { version: "1.1" }).map((d) => d.toJS() as Stage);
  const values = stages.flatMap((s) =>
    (s.spec.selector?.matchExpressions ?? []).flatMap((e) => (e as { values?: unknown[] }).values ?? []),
  );
  assert.ok(values.includes("off"), "the power gate's value");
  for (const v of values) assert.equal(typeof v, "string", `${String(v)} is not a string`);
});
