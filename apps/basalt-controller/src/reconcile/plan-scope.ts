import type { NodeObject, PlanObject, UpgradePlanSpec } from "@basalt/rollout";
import { checkPlanSpec, matchesSelector, type SpecProblem } from "@basalt/rollout";

/**
 * Which nodes each plan acts on. A node belongs to one plan only — the newest valid plan whose
 * selector matches it — so two plans never fight over a node's state, and applying a new plan takes
 * its nodes over from older ones (the planner finishes or re-aims any upgrade already under way).
 * Pure.
 */
export interface ScopedPlan {
  plan: PlanObject;
  spec?: UpgradePlanSpec;
  problems?: SpecProblem[];
  nodes: NodeObject[];
}

export function scopePlans(plans: Iterable<PlanObject>, nodes: Iterable<NodeObject>): ScopedPlan[] {
  const scoped: ScopedPlan[] = [...plans]
    .sort((a, b) => b.created - a.created || (a.name < b.name ? -1 : 1))
    .map((plan) => {
      const checked = checkPlanSpec(plan.spec);
      return "spec" in checked
        ? { plan, spec: checked.spec, nodes: [] }
        : { plan, problems: checked.problems, nodes: [] };
    });
  const valid = scoped.filter((s) => s.spec);
  for (const node of nodes) {
    const owner = valid.find((s) => matchesSelector(s.spec!.nodeSelector ?? {}, node.labels));
    owner?.nodes.push(node);
  }
  return scoped.reverse();
}
