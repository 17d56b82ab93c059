import type { NodeView } from "./node-view.ts";
import type { ResolvedPlanSpec } from "./plan-spec.ts";
import type { Stage } from "./progression.ts";
import type { WindowState } from "./windows.ts";

/**
 * The next instant at which the planner would decide differently with nothing else changing: a
 * maintenance window opens, a soak ends, a node's Ready time reaches readySeconds, or a step's
 * timeout passes (drain, upgrade, reboot, verify). The control loop sleeps until then unless a watch
 * event comes first, so the planner is asked again exactly when the clock alone changes its answer.
 * Undefined when only a change in the cluster can. Pure.
 *
 * The timeouts in node-step.ts are strict (`now - since > timeout`), so their deadlines are one
 * millisecond past the limit; the drain timeout compares whole seconds, so one second past it.
 */
export function nextDeadline(input: {
  views: readonly NodeView[];
  spec: ResolvedPlanSpec;
  window: WindowState;
  stage: Stage;
  now: number;
}): number | undefined {
  const { spec, now } = input;
  const candidates: number[] = [];
  const at = (ms: number | undefined) => {
    if (ms !== undefined && Number.isFinite(ms) && ms > now) candidates.push(ms);
  };
  if (!input.window.open) at(input.window.nextOpen);
  at(input.stage.wait?.until);
  const { health, drain } = spec;
  for (const v of input.views) {
    const u = v.upgrade;
    if (!u) continue;
    switch (v.status) {
      case "cordoned":
      case "draining":
        at(u.since + (drain.timeoutSeconds + 1) * 1000);
        break;
      case "upgrading":
        at(u.since + health.upgradeTimeoutSeconds * 1000 + 1);
        break;
      case "rebooting":
      case "rolledBack":
        at(u.since + health.notReadyTimeoutSeconds * 1000 + 1);
        break;
      case "verifying":
        at(u.since + health.verifyTimeoutSeconds * 1000 + 1);
        // A verifying node whose target changed is judged like a rebooting one.
        at(u.since + health.notReadyTimeoutSeconds * 1000 + 1);
        if (v.node.ready) at((v.node.readySince ?? u.since) + health.readySeconds * 1000);
        break;
      default:
        break;
    }
  }
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}
