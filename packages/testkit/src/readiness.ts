import type { Component } from "./component.ts";
import type { ControlPlane } from "./control-plane.ts";
import { httpsGet } from "./net.ts";
import type { CertKeyPem } from "./pki.ts";
import { waitFor } from "./wait-for.ts";

/**
 * An AbortSignal that fires with a component's exit error (its log's tail) as soon as one of
 * `components` exits without having been asked to: raced against a readiness wait, it turns
 * "timed out after 2 minutes" into the component's own error message, at once.
 */
export function crashSignal(components: readonly Component[]): AbortSignal {
  const crashed = new AbortController();
  for (const c of components)
    void c.exited.then(() => {
      if (!c.stopping) crashed.abort(c.exitError());
    });
  return crashed.signal;
}

/** Waits for kube-apiserver's /readyz (etcd reachable, RBAC bootstrapped, post-start hooks done). */
export async function waitForApiserver(
  cp: ControlPlane,
  tls: { ca: string; admin: CertKeyPem },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const creds = { ca: tls.ca, cert: tls.admin.cert, key: tls.admin.key };
  await waitFor(
    async () => (await httpsGet(`${cp.server}/readyz`, creds)).status === 200,
    timeoutMs,
    "kube-apiserver /readyz",
    { signal, intervalMs: 100 },
  );
}

/**
 * Waits for the controller-manager's and the scheduler's /healthz and for the `default`
 * ServiceAccount in `default` (made by the controller-manager; until it exists, Pods there are
 * rejected), all at once.
 */
export async function waitForControllers(
  cp: ControlPlane,
  ports: { controllerManager: number; scheduler: number },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  // Their serving certificates are self-signed in memory: no CA to verify, and nothing secret sent.
  const healthz = (port: number) => async () =>
    (await httpsGet(`https://127.0.0.1:${port}/healthz`, {})).status === 200;
  const opts = { signal, intervalMs: 100 };
  await Promise.all([
    waitFor(healthz(ports.controllerManager), timeoutMs, "kube-controller-manager /healthz", opts),
    waitFor(healthz(ports.scheduler), timeoutMs, "kube-scheduler /healthz", opts),
    waitFor(
      async () =>
        Boolean(
          await cp.kube.request({
            method: "GET",
            path: "/api/v1/namespaces/default/serviceaccounts/default",
          }),
        ),
      timeoutMs,
      "the default ServiceAccount (created by kube-controller-manager)",
      opts,
    ),
  ]);
}
