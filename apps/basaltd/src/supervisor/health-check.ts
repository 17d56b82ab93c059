import { request } from "node:https";
import { connect, type NetConnectOpts } from "node:net";
import type { ServiceHealth } from "@basalt/machinery";

export interface HealthResult {
  healthy: boolean;
  message: string;
}

/** Probes a service's health as its config says: a unix socket or TCP port accepts, or HTTP answers 2xx. */
export async function checkHealth(health: ServiceHealth, timeoutMs = 2000): Promise<HealthResult> {
  if ("unixSocket" in health)
    return probeConnect({ path: health.unixSocket }, `unix socket ${health.unixSocket}`, timeoutMs);
  if ("tcp" in health) {
    const i = health.tcp.lastIndexOf(":");
    const host = health.tcp.slice(0, i).replace(/^\[|\]$/g, "");
    return probeConnect({ host, port: Number(health.tcp.slice(i + 1)) }, `tcp ${health.tcp}`, timeoutMs);
  }
  if ("https" in health) return probeHttps(health.https, timeoutMs);
  try {
    const res = await fetch(health.http, { signal: AbortSignal.timeout(timeoutMs) });
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
