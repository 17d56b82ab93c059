import { BasaltError } from "@basalt/machinery";
import type { Row, RunCommand } from "../../cli/command.ts";
import { clusterState, kubeFor, kubeLib, rollout } from "./cluster-access.ts";

/**
 * `basaltctl rollout status PLAN [--node X] [--blocked]`: each node's phase, since when, and why —
 * the question "why is node X not upgrading?" answered from the cluster itself.
 */
export const rolloutStatus: RunCommand = async (inv) => {
  const name = inv.positionals[0];
  if (!name)
    throw new BasaltError("invalid_argument", "which plan?", { hint: "basaltctl rollout status PLAN" });
  const c = await rollout();
  const kube = await kubeFor(inv);
  try {
    let plan: Awaited<ReturnType<typeof c.readPlan>>;
    try {
      plan = await c.readPlan(kube, name);
    } catch (err) {
      if ((await kubeLib()).hasStatus(err, 404)) {
        throw new BasaltError("not_found", `no UpgradePlan "${name}"`, {
          hint: "kubectl get upgradeplans",
        });
      }
      throw err;
    }
    const checked = c.checkPlanSpec(plan.spec);
    if ("problems" in checked) {
      throw new BasaltError(
        "failed_precondition",
        `plan ${name} is invalid: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
      );
    }
    const now = Date.now();
    const { state, nodes } = await clusterState(kube, now);
    const status = plan.status as Parameters<typeof c.rolloutReport>[2];
    let report = c.rolloutReport(c.plan(state, checked.spec, now), nodes, status);
    const only = (inv.values.node as string[] | undefined)?.flatMap((n) => n.split(",")) ?? [];
    if (only.length > 0) {
      const missing = only.filter((n) => !report.some((r) => r.node === n));
      if (missing.length > 0) {
        throw new BasaltError("not_found", `not in plan ${name}'s scope: ${missing.join(", ")}`, {
          hint: "check the node's labels against the plan's nodeSelector",
        });
      }
      report = report.filter((r) => only.includes(r.node));
    }
    if (inv.values.blocked) report = report.filter((r) => c.blockedCodes.has(r.code));
    const rows: Row[] = report.map((r) => ({
      NODE: r.node,
      ZONE: r.zone,
      STATUS: r.status,
      BATCH: r.batch === undefined ? "-" : r.batch === 0 ? "canary" : r.batch,
      SINCE: r.since ?? "-",
      REASON:
        r.lastError && !r.reason.includes(r.lastError)
          ? `${r.reason} (last error: ${r.lastError})`
          : r.reason,
    }));
    const counts = Object.entries(status?.counts ?? {})
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    const message = `plan ${name}: ${status?.phase ?? "not yet reconciled"}${counts ? ` (${counts})` : ""}${status?.conditions?.find((x) => x.type === "Paused" && x.status === "True") ? ` — ${status.conditions.find((x) => x.type === "Paused")!.message}` : ""}`;
    return {
      kind: "local",
      rows,
      message,
      json: { plan: name, phase: status?.phase, counts: status?.counts, nodes: report },
    };
  } finally {
    kube.close();
  }
};
