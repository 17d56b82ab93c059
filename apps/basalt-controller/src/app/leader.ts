import { type KubeClient, KubeLeaseLock, LeaderElector } from "@basalt/kube";
import type { Logger } from "../reconcile/telemetry.ts";
import type { Elector } from "./controller-app.ts";

/**
 * Leader election for the controller: @basalt/kube's LeaderElector on a coordination.k8s.io Lease,
 * through @basalt/kube's REST client. Two replicas run; the one holding the Lease acts,
 * and a leader that cannot renew within the renew deadline stops acting before anyone else may take
 * over (the lease duration is longer).
 */
export interface LeaseTiming {
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

export function leaseElector(
  kube: KubeClient,
  where: { namespace: string; name: string; identity: string },
  timing: LeaseTiming,
  log: Logger,
): (lead: (signal: AbortSignal) => void, stopped: () => void) => Elector {
  return (lead, stopped) =>
    new LeaderElector(
      new KubeLeaseLock(kube, where.namespace, where.name),
      { ...where, ...timing, releaseOnCancel: true },
      {
        onStartedLeading: lead,
        onStoppedLeading: stopped,
        onNewLeader: (identity) => log.info({ leader: identity }, "leader observed"),
      },
      { log: (message) => log.debug({}, message) },
    );
}
