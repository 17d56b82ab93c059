import { createSecureServer, type Http2SecureServer } from "node:http2";
import { allServices } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createContextValues } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { DaemonContext } from "../daemon-context.ts";
import { containerService } from "../handlers/container-handler.ts";
import { eventService } from "../handlers/event-handler.ts";
import { fileService } from "../handlers/file-handler.ts";
import { lifecycleService } from "../handlers/lifecycle-handler.ts";
import { logService } from "../handlers/log-handler.ts";
import { networkService } from "../handlers/network-handler.ts";
import { nodeService } from "../handlers/node-handler.ts";
import { supervisorService } from "../handlers/supervisor-handler.ts";
import { upgradeService } from "../handlers/upgrade-handler.ts";
import { gateInterceptor } from "./interceptors.ts";
import { peerKey, peerOf } from "./peer.ts";

/** Requests larger than this are refused before they reach a handler. */
export const maxRequestBytes = 1024 * 1024;

export function routes(ctx: DaemonContext) {
  return (router: ConnectRouter) => {
    const [node, network, supervisor, logs, files, events, lifecycle, upgrade, containers] = allServices;
    router.service(node, nodeService(ctx));
    router.service(network, networkService(ctx));
    router.service(supervisor, supervisorService(ctx));
    router.service(logs, logService(ctx));
    router.service(files, fileService(ctx));
    router.service(events, eventService(ctx));
    router.service(lifecycle, lifecycleService(ctx));
    router.service(upgrade, upgradeService(ctx));
    router.service(containers, containerService(ctx));
  };
}

/**
 * The node API: gRPC, gRPC-Web and Connect on one TLS port (HTTP/2, HTTP/1.1 too for curl and
 * browsers). Client certificates are requested but checked by the gate interceptor rather than the
 * handshake, so a client with a bad certificate is told exactly what is wrong.
 */
export async function startApiServer(ctx: DaemonContext, log: Logger): Promise<Http2SecureServer> {
  const handler = connectNodeAdapter({
    routes: routes(ctx),
    interceptors: [gateInterceptor(log)],
    readMaxBytes: maxRequestBytes,
    contextValues: (req) => createContextValues().set(peerKey, peerOf(req)),
  });
  const server = createSecureServer(
    {
      allowHTTP1: true,
      ca: ctx.config.api.ca,
      cert: ctx.config.api.cert,
      key: ctx.config.api.key,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: "TLSv1.3",
    },
    handler,
  );
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
