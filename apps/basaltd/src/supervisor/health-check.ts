import { request } from "node:https";
import { connect, type NetConnectOpts } from "node:net";
import type { ServiceHealth } from "@basalt/machinery";

export interface HealthResult {
  healthy: boolean;
  message: string;
}

/**
 * How long a probe may take. HTTPS probes are the control plane's /readyz and /healthz: a new TLS
 * handshake each, answered by a busy apiserver; on a one-vCPU TCG node /readyz took over 5 s while
 * the apiserver was serving, and a 2 s limit kept it "unhealthy" past Bootstrap's 15 minutes.
 * 15 s as kubeadm gives the apiserver's probes.
 */
export const probeTimeoutMs = { connect: 2000, http: 2000, https: 15_000 };

/** Probes a service's health as its config says: a unix socket or TCP port accepts, or HTTP answers 2xx. */
export async function checkHealth(health: ServiceHealth, timeoutMs?: number): Promise<HealthResult> {
  if ("unixSocket" in health)
    return probeConnect(
      { path: health.unixSocket },
      `unix socket ${health.unixSocket}`,
      timeoutMs ?? probeTimeoutMs.connect,
    );
  if ("tcp" in health) {
    const i = health.tcp.lastIndexOf(":");
    const host = health.tcp.slice(0, i).replace(/^\[|\]$/g, "");
    return probeConnect(
      { host, port: Number(health.tcp.slice(i + 1)) },
      `tcp ${health.tcp}`,
      timeoutMs ?? probeTimeoutMs.connect,
    );
  }
  if ("https" in health) return probeHttps(health.https, timeoutMs ?? probeTimeoutMs.https);
  try {
    const res = await fetch(health.http, { signal: AbortSignal.timeout(timeoutMs ?? probeTimeoutMs.http) });
    await res.body?.cancel();
    return res.ok
      ? { healthy: true, message: `${health.http} answered ${res.status}` }
      : { healthy: false, message: `${health.http} answered ${res.status}` };
  } catch (err) {
    return { healthy: false, message: `${health.http}: ${(err as Error).message}` };
  }
}

function probeConnect(target: NetConnectOpts, what: string, timeoutMs: number): Promise<HealthResult> {
  return new Promise((resolve) => {
    const socket = connect(target);
    const done = (r: HealthResult) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ healthy: false, message: `${what}: no answer in ${timeoutMs} ms` }),
    );
    socket.once("connect", () => done({ healthy: true, message: `${what} accepts connections` }));
    socket.once("error", (err) => done({ healthy: false, message: `${what}: ${err.message}` }));
  });
}

/** GET over TLS on loopback, the certificate not verified (see the `https` health check in the config). */
function probeHttps(url: string, timeoutMs: number): Promise<HealthResult> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: "GET", rejectUnauthorized: false, timeout: timeoutMs, agent: false },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve({ healthy: status >= 200 && status < 300, message: `${url} answered ${status}` });
      },
    );
    req.once("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.once("error", (err) => resolve({ healthy: false, message: `${url}: ${err.message}` }));
    req.end();
  });
}
