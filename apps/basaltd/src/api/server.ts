import { createSecureServer, type Http2SecureServer } from "node:http2";
import { allServices, ConfigService } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { ConnectRouter } from "@connectrpc/connect";
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import type { DaemonContext } from "../daemon-context.ts";
import { auditService } from "../handlers/audit-handler.ts";
import { clusterService } from "../handlers/cluster-handler.ts";
import { configService } from "../handlers/config-handler.ts";
import { containerService } from "../handlers/container-handler.ts";
import { eventService } from "../handlers/event-handler.ts";
import { fileService } from "../handlers/file-handler.ts";
import { lifecycleService } from "../handlers/lifecycle-handler.ts";
import { logService } from "../handlers/log-handler.ts";
import { networkService } from "../handlers/network-handler.ts";
import { nodeService } from "../handlers/node-handler.ts";
import { supervisorService } from "../handlers/supervisor-handler.ts";
import { upgradeService } from "../handlers/upgrade-handler.ts";
import type { ApiSecurity } from "./api-security.ts";
import { guardConnections } from "./connection-guard.ts";
import { gateInterceptor, requestGate } from "./interceptors.ts";
import { serveMetrics } from "./metrics-route.ts";
import { peerKey, peerOf } from "./peer.ts";

/** Requests larger than this are refused before they reach a handler. */
export const maxRequestBytes = 1024 * 1024;

export function routes(ctx: DaemonContext) {
  return (router: ConnectRouter) => {
    const [node, network, supervisor, logs, files, events, lifecycle, upgrade, audit, containers, cluster] =
      allServices;
    router.service(node, nodeService(ctx));
    router.service(network, networkService(ctx));
    router.service(supervisor, supervisorService(ctx));
    router.service(logs, logService(ctx));
    router.service(files, fileService(ctx));
    router.service(events, eventService(ctx));
    router.service(lifecycle, lifecycleService(ctx));
    router.service(upgrade, upgradeService(ctx));
    router.service(audit, auditService(ctx));
    router.service(containers, containerService(ctx));
    router.service(cluster, clusterService(ctx));
    // By name, not by position in allServices: other services are appended there too.
    router.service(ConfigService, configService(ctx));
  };
}

/**
 * The node API: gRPC, gRPC-Web and Connect on one TLS port (HTTP/2, HTTP/1.1 too for curl and
 * browsers), and GET /metrics for Prometheus. Client certificates are checked when the handshake
 * ends (connection guard): a client without a valid one is dropped before any request is read;
 * basaltctl explains why from its own certificate. Every call then passes the request gate
 * (roles, authorization table, limits, audit record) before its body is read.
 */
export async function startApiServer(
  ctx: DaemonContext,
  log: Logger,
  security: ApiSecurity,
): Promise<Http2SecureServer> {
  const gate = { audit: security.audit, metrics: security.metrics, limits: security.limits };
  const handler = connectNodeAdapter({
    routes: routes(ctx),
    requestGate: requestGate(gate),
    interceptors: [gateInterceptor(gate)],
    readMaxBytes: maxRequestBytes,
    contextValues: (req) => createContextValues().set(peerKey, peerOf(req)),
  });
  const limits = ctx.config.api.limits;
  const server = createSecureServer(
    {
      allowHTTP1: true,
      ca: ctx.config.api.ca,
      cert: ctx.config.api.cert,
      key: ctx.config.api.key,
      requestCert: true,
      // The connection guard drops unauthorized peers itself, right after the handshake, so it can
      // count them by reason (Node's own rejection would not say why).
      rejectUnauthorized: false,
      minVersion: "TLSv1.3",
      handshakeTimeout: limits.handshakeTimeoutMs,
      settings: { maxConcurrentStreams: 100 },
    },
    (req, res) => {
      if (req.url === "/metrics") return void serveMetrics(req, res, gate);
      handler(req, res);
    },
  );
  server.maxConnections = limits.connections;
  guardConnections(server, {
    connections: security.limits.connections,
    sampler: security.sampler,
    metrics: security.metrics,
    log,
    revocation: security.revocation,
  });
  const { host, port } = splitListen(ctx.config.api.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new BasaltError(
          "unavailable",
          `cannot listen on ${ctx.config.api.listen}: ${err.code ?? err.message}`,
          {
            hint:
              err.code === "EADDRINUSE"
                ? "another process holds that port"
                : "check api.listen in the machine config",
          },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(":");
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(listen.slice(i + 1)) };
}
