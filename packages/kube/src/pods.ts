import { hasStatus } from "./api-errors.ts";
import type { Kube } from "./kube-client.ts";

/**
 * Deletes a Pod regardless of its PodDisruptionBudgets (a plain DELETE, not an eviction): only for
 * a drain told to force. A Pod already gone counts as deleted.
 */
export async function deletePod(
  kube: Kube,
  namespace: string,
  name: string,
  gracePeriodSeconds?: number,
): Promise<void> {
  try {
    await kube.request({
      method: "DELETE",
      path: `/api/v1/namespaces/${namespace}/pods/${name}`,
      body: gracePeriodSeconds === undefined ? undefined : { gracePeriodSeconds },
    });
  } catch (err) {
    if (!hasStatus(err, 404)) throw err;
  }
}
