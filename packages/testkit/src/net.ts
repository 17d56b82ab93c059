import { request } from "node:https";
import { createServer } from "node:net";

/**
 * A free TCP port on `host`, found by binding port 0 and closing it again. Another process may take
 * it before the component binds it; on a test machine that window is small enough, and a component
 * that cannot bind exits at once, which start-up reports with its log.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Several distinct free ports at once (held open together so none repeats). */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, host, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** TLS material for `httpsGet`: a CA to trust (or none: skip verification) and a client identity. */
export interface HttpsProbeTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * One HTTPS GET with a short timeout, for health probes (`/readyz`, `/healthz`). Never throws for
 * an HTTP status; throws for connection errors and timeouts.
 */
export function httpsGet(
  url: string,
  tls: HttpsProbeTls,
  timeoutMs = 2000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: tls.ca !== undefined,
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}
