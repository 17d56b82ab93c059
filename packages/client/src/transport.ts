import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

/** A gRPC-over-HTTP/2 transport to one node, authenticating with the client certificate. */
export function nodeTransport(
  endpoint: string,
  tls: TlsMaterial,
  options: { timeoutMs?: number } = {},
): Transport {
  return createGrpcTransport({
    baseUrl: `https://${endpoint}`,
    nodeOptions: { ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: "TLSv1.3" },
    defaultTimeoutMs: options.timeoutMs,
    // One short-lived CLI call per node: do not keep idle sessions alive.
    idleConnectionTimeoutMs: 1000,
  });
}
