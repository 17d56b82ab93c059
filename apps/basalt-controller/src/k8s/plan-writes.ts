import type { Kube } from "@basalt/kube";
import type { PlanStatus } from "@basalt/rollout";
import { upgradePlanPath } from "@basalt/rollout";

/**
 * Writes an UpgradePlan's status through the status subresource. A JSON patch that replaces the
 * whole status: a merge patch would keep map keys that are gone (a count that dropped to zero).
 */
export interface PlanWrites {
  writeStatus(plan: string, status: PlanStatus): Promise<unknown>;
}

export function kubePlanWrites(kube: Kube): PlanWrites {
  return {
    writeStatus(plan, status) {
      return kube.request({
        method: "PATCH",
        path: `${upgradePlanPath}/${plan}/status`,
        patch: "json",
        body: [{ op: "add", path: "/status", value: status }],
      });
    },
  };
}
