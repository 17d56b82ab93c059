import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/**
 * /metrics (Prometheus text), /healthz (the process runs) and /readyz (the caches are synced) on one
 * plain-HTTP port, as controllers usually serve them inside the cluster network.
 */
export function startMetricsServer(
  port: number,
  registry: Registry,
  ready: () => boolean,
  host = "0.0.0.0",
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200);
      res.end("ok");
      return;
    }
    if (path === "/readyz") {
      const ok = ready();
      res.writeHead(ok ? 200 : 503);
      res.end(ok ? "ok" : "caches not synced");
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
