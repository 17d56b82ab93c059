import { planSpecSchema } from "../planner/plan-spec-schema.ts";
import { planStatusSchema } from "../status/plan-status-schema.ts";
import { type OpenApiSchema, openApiSchemaOf } from "./openapi.ts";

/**
 * The openAPIV3Schema of UpgradePlan, derived from the zod schemas of its spec and status (the one
 * source of the types too). The apiserver rejects what this schema can express, including the CEL
 * rules carried over from zod `meta`; the rest (a window whose end equals its start, an unknown time
 * zone) is caught by validatePlanSpec and shown in the plan's status.
 */
export const upgradePlanSchema: OpenApiSchema = {
  type: "object",
  description:
    "Rolls OS and Kubernetes upgrades across nodes without taking down more capacity than allowed.",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: openApiSchemaOf(planSpecSchema),
    status: openApiSchemaOf(planStatusSchema),
  },
  required: ["spec"],
};
