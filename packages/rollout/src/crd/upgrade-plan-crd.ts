import { stringify } from "yaml";
import { upgradePlanSchema } from "./upgrade-plan-schema.ts";

/**
 * The UpgradePlan CustomResourceDefinition, its schema derived from the zod schemas. This object is
 * the source of deploy/crd.yaml (a test checks that the file matches it), and tests install it from
 * here, so the two cannot drift.
 */
export const upgradePlanGroup = "basalt.dev";
export const upgradePlanVersion = "v1alpha1";
export const upgradePlanPlural = "upgradeplans";
export const upgradePlanKind = "UpgradePlan";

/**
 * The finalizer the controller puts on every plan it acts for: a deleted plan stays (deleting) until
 * the controller has handed its nodes back (see planner/hand-back.ts), then the controller removes it.
 */
export const planFinalizer = "upgrade.basalt.dev/hand-back";

/** The REST path of the plans collection (cluster-scoped). */
export const upgradePlanPath = `/apis/${upgradePlanGroup}/${upgradePlanVersion}/${upgradePlanPlural}`;

export const upgradePlanCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${upgradePlanPlural}.${upgradePlanGroup}` },
  spec: {
    group: upgradePlanGroup,
    scope: "Cluster",
    names: {
      kind: upgradePlanKind,
      listKind: `${upgradePlanKind}List`,
      plural: upgradePlanPlural,
      singular: "upgradeplan",
      shortNames: ["up", "uplan"],
      categories: ["basalt"],
    },
    versions: [
      {
        name: upgradePlanVersion,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: upgradePlanSchema },
        additionalPrinterColumns: [
          { name: "Target", type: "string", jsonPath: ".status.target" },
          { name: "Phase", type: "string", jsonPath: ".status.phase" },
          { name: "Nodes", type: "integer", jsonPath: ".status.nodes" },
          { name: "Done", type: "integer", jsonPath: ".status.counts.done" },
          { name: "Failed", type: "integer", jsonPath: ".status.failed" },
          { name: "Unavailable", type: "integer", jsonPath: ".status.unavailable", priority: 1 },
          { name: "Budget", type: "integer", jsonPath: ".status.maxUnavailable", priority: 1 },
          { name: "Stage", type: "string", jsonPath: ".status.stage", priority: 1 },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
      },
    ],
  },
} as const;

/** deploy/crd.yaml's text. */
export function upgradePlanCrdYaml(): string {
  return `# Generated from the zod schemas in packages/rollout (planner/plan-spec-schema.ts, status/plan-status-schema.ts): node packages/rollout/src/crd/print-crd.ts > deploy/crd.yaml\n${stringify(upgradePlanCrd, { lineWidth: 0 })}`;
}
