import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { strongestRole } from "../audit/audit-record.ts";
import { authenticate } from "./authenticate.ts";
import type { GateDeps } from "./interceptors.ts";
import { peerOf } from "./peer.ts";

/**
 * GET /metrics (Prometheus text format) for any authenticated Basalt role; each scrape leaves an
 * audit record like an RPC ("http:/metrics"). The connection guard has already dropped clients
 * without a valid certificate.
 */
export async function serveMetrics(
  req: Http2ServerRequest | IncomingMessage,
  res: Http2ServerResponse | ServerResponse,
  deps: GateDeps,
): Promise<void> {
  const peer = peerOf(req);
  const started = Date.now();
  const record = {
    time: new Date().toISOString(),
    subject: peer?.commonName ?? "",
    serial: peer?.serial ?? "",
    role: "" as ReturnType<typeof strongestRole>,
    rpc: "http:/metrics",
    target: "",
    result: "ok",
    reason: "",
    address: peer?.address ?? "",
    durationMs: 0,
  };
  let status = 200;
  let body: string;
  try {
    record.role = strongestRole(authenticate(peer));
    if (req.method !== "GET") {
      status = 405;
      record.result = "invalid_argument";
      body = "use GET\n";
    } else {
      body = await deps.metrics.registry.metrics();
    }
  } catch (err) {
    status = 403;
    record.result = (err as { code?: string }).code ?? "permission_denied";
    record.reason = (err as Error).message;
    deps.metrics.refused("permission_denied");
    body = `${(err as Error).message}\n`;
  }
  record.durationMs = Date.now() - started;
  deps.audit.write(record);
  const out = res as ServerResponse;
  out.writeHead(status, { "content-type": deps.metrics.registry.contentType });
  out.end(body);
}
