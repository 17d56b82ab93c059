import type { KubeClient } from "@basalt/kube";
import type { PlanStatus, UpgradePlanSpec } from "@basalt/rollout";
import { upgradePlanPath } from "@basalt/rollout";
import { waitFor } from "@basalt/testkit";

/** UpgradePlans for tests: create one, read its status, wait for a condition on it. */
export interface PlanObject {
  metadata: { name: string; generation: number; finalizers?: string[]; deletionTimestamp?: string };
  spec: UpgradePlanSpec;
  status?: PlanStatus;
}

export function createPlan(kube: KubeClient, name: string, spec: UpgradePlanSpec): Promise<PlanObject> {
  return kube.request({
    method: "POST",
    path: upgradePlanPath,
    body: { apiVersion: "basalt.dev/v1alpha1", kind: "UpgradePlan", metadata: { name }, spec },
  });
}

export function getPlan(kube: KubeClient, name: string): Promise<PlanObject> {
  return kube.request({ method: "GET", path: `${upgradePlanPath}/${name}` });
}

export function waitPlan(
  kube: KubeClient,
  name: string,
  predicate: (p: PlanObject) => boolean,
  timeoutMs: number,
  what: string,
): Promise<PlanObject> {
  let last: PlanObject | undefined;
  return waitFor(
    async () => {
      last = await getPlan(kube, name);
      return predicate(last) ? last : false;
    },
    timeoutMs,
    () =>
      `${what} (last status: ${JSON.stringify({ phase: last?.status?.phase, counts: last?.status?.counts, reasons: last?.status?.reasons?.slice(0, 3) })})`,
    { intervalMs: 500 },
  );
}

export function condition(p: PlanObject, type: string) {
  return p.status?.conditions?.find((c) => c.type === type);
}
