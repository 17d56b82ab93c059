import type { Http2SecureServer, ServerHttp2Session } from "node:http2";
import type { TLSSocket } from "node:tls";
import { isRole } from "@basalt/machinery";
import type { Logger } from "pino";
import type { ApiMetrics } from "../audit/api-metrics.ts";
import type { PreauthSampler } from "../audit/preauth-sampler.ts";
import type { Limiter } from "./limits.ts";
import { type Peer, peerId, readPeer } from "./peer.ts";
import type { Revocation } from "./revocation.ts";

export interface GuardDeps {
  connections: Limiter;
  sampler: PreauthSampler;
  metrics: ApiMetrics;
  log: Logger;
  /** The serial denylist: a revoked certificate is dropped at the handshake and cut when listed. */
  revocation?: Revocation;
}

/** NGHTTP2_ENHANCE_YOUR_CALM: the HTTP/2 code for "you are using too much". */
const enhanceYourCalm = 11;
/** setTimeout's longest delay; a certificate valid longer re-arms the timer. */
const maxTimerMs = 2 ** 31 - 1;

/** Why a TLS peer is not let in, as a metrics/sample reason; undefined when it is. */
export function tlsRefusal(peer: Peer): string | undefined {
  if (!peer.hasCertificate) return "tls_no_certificate";
  if (peer.authorized) return undefined;
  switch (peer.authorizationError) {
    case "CERT_HAS_EXPIRED":
      return "tls_expired";
    case "CERT_NOT_YET_VALID":
      return "tls_not_yet_valid";
    default:
      return "tls_untrusted";
  }
}

function handshakeReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE":
      return "tls_no_certificate";
    case "ERR_TLS_HANDSHAKE_TIMEOUT":
      return "tls_handshake_timeout";
    default:
      return "tls_handshake";
  }
}

/**
 * Decides who may hold a connection, before any request is read:
 * - a TLS peer without a certificate the node's CA signed and that is valid now is dropped as soon
 *   as the handshake ends (no HTTP/2 frame of it is processed); counted by reason and sampled per
 *   source address (the daemon log sees a few lines a minute, the audit trail nothing);
 * - an authenticated client holds at most `connectionsPerPeer` connections (admins four times as
 *   many), and the last `adminReserve` connections are for admins only: over that, GOAWAY
 *   ENHANCE_YOUR_CALM;
 * - a session is cut when its client certificate expires, even with streams open;
 * - a certificate whose serial is revoked (api.revokedSerials) is dropped like an untrusted one, and
 *   its live sessions are cut when the denylist changes (Revocation.update).
 * Handshakes that fail or time out (handshakeTimeout) are counted and sampled the same way.
 */
export function guardConnections(server: Http2SecureServer, deps: GuardDeps): void {
  const refuse = (address: string, reason: string) => {
    deps.metrics.refused(reason);
    deps.sampler.failure(address, reason);
  };
  server.on("tlsClientError", (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    refuse(socket.remoteAddress ?? "", handshakeReason(err));
  });
  server.on("sessionError", (_err: Error, session: ServerHttp2Session) => {
    refuse(session.socket?.remoteAddress ?? "", "http2_protocol");
  });
  server.on("unknownProtocol", (socket: TLSSocket) => {
    refuse(socket.remoteAddress ?? "", "no_alpn");
    socket.destroy();
  });
  // server.maxConnections reached: Node closes the socket before TLS; count it like the rest.
  server.on("drop", (data?: { remoteAddress?: string }) => refuse(data?.remoteAddress ?? "", "limit_tcp"));
  const summary = setInterval(() => deps.sampler.tick(), 10_000);
  summary.unref();
  server.once("close", () => clearInterval(summary));

  // Runs after the HTTP/2 server's own listener (which builds the session synchronously) and in
  // the same tick, so a refused socket is gone before its first frame is read.
  server.on("secureConnection", (socket: TLSSocket) => {
    const peer = readPeer(socket);
    const address = peer.address;
    const reason = tlsRefusal(peer);
    if (reason) {
      refuse(address, reason);
      socket.destroy();
      return;
    }
    if (deps.revocation?.isRevoked(peer.serial)) {
      refuse(address, "tls_revoked");
      socket.destroy();
      return;
    }
    const admin = peer.organizations.some((o) => isRole(o) && o === "os:admin");
    const grant = deps.connections.acquire(peerId(peer), admin);
    const session = (socket as TLSSocket & { _basaltSession?: ServerHttp2Session })._basaltSession;
    if (!grant.ok) {
      refuse(address, "limit_connections");
      if (session && !session.destroyed) {
        session.goaway(enhanceYourCalm, 0, Buffer.from(`too many ${grant.reason}`));
        setTimeout(() => socket.destroy(), 1000).unref();
      } else {
        socket.destroy();
      }
      return;
    }
    socket.once("close", grant.release);
    deps.revocation?.track(socket, peer.serial ?? "");
    armExpiry(socket, peer, deps);
  });
  server.on("session", (session: ServerHttp2Session) => {
    // Lets the secureConnection listener (which runs next) answer with GOAWAY instead of a reset.
    // session.socket is Node's proxy of the TLS socket; a property set on it lands on the socket.
    (session.socket as TLSSocket & { _basaltSession?: ServerHttp2Session })._basaltSession = session;
  });
}

function armExpiry(socket: TLSSocket, peer: Peer, deps: GuardDeps): void {
  const validTo = peer.validToMs ?? Number.NaN;
  if (!Number.isFinite(validTo)) return;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = validTo - Date.now();
    if (left > maxTimerMs) {
      timer = setTimeout(arm, maxTimerMs);
      timer.unref();
      return;
    }
    timer = setTimeout(
      () => {
        deps.metrics.refused("cert_expired_in_session");
        deps.log.info(
          { peer: peer.commonName, serial: peer.serial, address: peer.address },
          "client certificate expired: connection cut",
        );
        const session = (socket as TLSSocket & { _basaltSession?: ServerHttp2Session })._basaltSession;
        if (session && !session.destroyed) session.goaway(0, 0, Buffer.from("client certificate expired"));
        socket.destroy();
      },
      Math.max(0, left),
    );
    timer.unref();
  };
  arm();
  socket.once("close", () => clearTimeout(timer));
}
