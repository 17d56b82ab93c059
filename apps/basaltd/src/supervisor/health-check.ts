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
