import { connect } from "node:net";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";

/** A gRPC transport and the HTTP/2 session it keeps open, so the owner can close it. */
export interface UnixGrpcTransport {
  transport: Transport;
  close(): void;
}

/**
 * gRPC (HTTP/2 without TLS, "prior knowledge") over a unix socket, the way containerd serves its
 * API. The URL only fills the :authority header; every connection goes to `socketPath`.
 * The session is opened lazily and reopened after containerd restarts.
 */
export function unixGrpcTransport(
  socketPath: string,
  options: { readMaxBytes?: number; interceptors?: Interceptor[] } = {},
): UnixGrpcTransport {
  const baseUrl = "http://localhost";
  const sessions = new Http2SessionManager(
    baseUrl,
    { idleConnectionTimeoutMs: 30_000, connectTimeoutMs: 5_000 },
    { createConnection: () => connect(socketPath) },
  );
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager: sessions,
    readMaxBytes: options.readMaxBytes ?? 16 * 1024 * 1024,
    // grpc-go only understands gzip; sending nothing compressed keeps it simple for both sides.
    acceptCompression: [],
    interceptors: options.interceptors ?? [],
  });
  return { transport, close: () => sessions.abort() };
}
