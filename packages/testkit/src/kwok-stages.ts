import { readFileSync } from "node:fs";
import { BasaltError } from "@basalt/machinery";
import { simKeys } from "@basalt/rollout";
import { parseAllDocuments, stringify } from "yaml";
import { kwokStagesPath } from "./kwok.ts";

/**
 * kwok Stage documents for the SIMULATED upgrade cycle (pass them to kwok with --config FILE),
 * derived from the one vendored copy (`kwokStagesPath`) with two changes:
 * - a node whose simulated power is "off" (sim.basalt.dev/power) is left alone by the node stages,
 *   so it stays NotReady through its reboot;
 * - conditions' lastTransitionTime is when the node (re)initialized, and the heartbeat keeps it
 *   (kwok's own resets it to the node's creation), so "Ready for readySeconds" can be measured.
 * Each change checks that the text it rewrites is there: a re-vendored file that moved it fails
 * here, loudly, instead of silently simulating something else.
 */
interface StageDoc {
  metadata: { name: string };
  spec: {
    resourceRef: { kind: string };
    selector?: { matchExpressions?: unknown[] };
    next?: { statusTemplate?: string };
  };
}

function rewrite(stage: StageDoc, from: string, to: string): void {
  const template = stage.spec.next?.statusTemplate ?? "";
  if (!template.includes(from))
    throw new BasaltError(
      "failed_precondition",
      `kwok stage ${stage.metadata.name}: no "${from}" to rewrite`,
      {
        hint: `check ${kwokStagesPath} against packages/testkit/src/kwok-stages.ts`,
      },
    );
  stage.spec.next!.statusTemplate = template.replaceAll(from, to);
}

const creationTime = "{{ $lastTransitionTime := or .metadata.creationTimestamp $now }}";

/** The simulation's stages as one multi-document YAML text. */
export function simulationStagesYaml(path = kwokStagesPath): string {
  const docs = parseAllDocuments(readFileSync(path, "utf8")).map((d) => d.toJS() as StageDoc);
  for (const stage of docs) {
    if (stage.spec.resourceRef.kind !== "Node") continue;
    stage.spec.selector ??= {};
    stage.spec.selector.matchExpressions ??= [];
    stage.spec.selector.matchExpressions.push({
      key: `.metadata.annotations["${simKeys.power}"]`,
      operator: "NotIn",
      values: ["off"],
    });
    if (stage.metadata.name === "node-initialize")
      rewrite(stage, creationTime, "{{ $lastTransitionTime := $now }}");
    if (stage.metadata.name === "node-heartbeat-with-lease") {
      rewrite(stage, "{{ range NodeConditions }}", "{{ range .status.conditions }}");
      rewrite(
        stage,
        "lastTransitionTime: {{ $lastTransitionTime | Quote }}",
        "lastTransitionTime: {{ .lastTransitionTime | Quote }}",
      );
    }
  }
  // YAML 1.1 as kwok (Go, sigs.k8s.io/yaml) reads it: there an unquoted `off` is a boolean.
  return docs.map((d) => stringify(d, { lineWidth: 0, version: "1.1" })).join("---\n");
}
