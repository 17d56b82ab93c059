import { z } from "zod";

/**
 * The UpgradePlan's status as a zod schema: the source of the `PlanStatus` type and of the status
 * part of the CRD's OpenAPI schema. The controller writes it; basaltctl and kubectl read it.
 */
export const conditionSchema = z
  .object({
    type: z
      .enum(["Valid", "Progressing", "Paused", "Complete"])
      .describe("Progressing, Paused, Complete or Valid."),
    status: z.enum(["True", "False", "Unknown"]),
    reason: z.string().describe("A CamelCase reason."),
    message: z.string().describe("Why, for a person."),
    lastTransitionTime: z.iso.datetime(),
    observedGeneration: z.int(),
  })
  .describe("A standard condition.");

const count = (description: string) => z.int().min(0).describe(description);

export const planStatusSchema = z
  .object({
    observedGeneration: z.int(),
    phase: z
      .enum(["Progressing", "Paused", "Complete", "Invalid", "Waiting"])
      .describe("One word for kubectl get."),
    target: z.string().describe("The target in short form (os=1.4.0,k8s=1.34.4).").optional(),
    nodes: count("Nodes the selector matches.").optional(),
    counts: z
      .record(z.string(), z.int())
      .describe("Nodes per status (pending, draining, done, failed, upToDate, ...).")
      .optional(),
    blocked: z
      .record(z.string(), z.int())
      .describe("Waiting nodes per reason code (pdb, budget, zoneBudget, window, ...).")
      .optional(),
    unavailable: count("Unavailable nodes in scope now.").optional(),
    maxUnavailable: count("The budget now.").optional(),
    failed: count("Failed or rolled-back nodes.").optional(),
    maxFailed: count("Failures tolerated.").optional(),
    lane: z.enum(["normal", "critical"]).optional(),
    stage: z.string().describe("The stage new nodes go into: canary or batch N.").optional(),
    window: z.string().describe("Why no node may start now, when the window is closed.").optional(),
    reasons: z
      .array(
        z
          .object({
            node: z.string().describe("The node."),
            zone: z.string().describe("Its topology domain."),
            status: z.string().describe("Its status."),
            code: z.string().describe("The reason as a code."),
            reason: z.string().describe("The reason for a person."),
          })
          .describe("One node's reason."),
      )
      .max(50)
      .describe("Why nodes are not moving (a bounded sample; basaltctl rollout status shows every node).")
      .optional(),
    conditions: z
      .array(conditionSchema)
      .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }),
    lastUpdateTime: z.iso.datetime().optional(),
  })
  .describe("The rollout at a glance; per-node state lives on the Nodes.");
