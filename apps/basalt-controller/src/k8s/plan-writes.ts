import type { Kube } from "@basalt/kube";
import type { PlanStatus } from "@basalt/rollout";
import { upgradePlanPath } from "@basalt/rollout";

/**
 * Writes an UpgradePlan's status through the status subresource (a JSON patch that replaces the
 * whole status: a merge patch would keep map keys that are gone, a count that dropped to zero), and
 * its finalizers.
 */
export interface PlanWrites {
  writeStatus(plan: string, status: PlanStatus): Promise<unknown>;
  /**
   * Sets the plan's finalizers (adding or removing the controller's), only if the plan is still at
   * `resourceVersion` (409 otherwise), so a finalizer someone else added meanwhile is never lost.
   */
  setFinalizers(plan: string, finalizers: string[], resourceVersion: string): Promise<unknown>;
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
    setFinalizers(plan, finalizers, resourceVersion) {
      return kube.request({
        method: "PATCH",
        path: `${upgradePlanPath}/${plan}`,
        patch: "merge",
        body: { metadata: { finalizers, resourceVersion } },
      });
    },
  };
}
