import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { TLSSocket } from "node:tls";
import { createContextKey } from "@connectrpc/connect";

type NodeServerRequest = IncomingMessage | Http2ServerRequest;

/** Who is calling, as the TLS handshake established it. */
export interface Peer {
  address: string;
  /** The chain checked out against the node's trusted client CA. */
  authorized: boolean;
  /** OpenSSL's verdict when not authorized, e.g. CERT_HAS_EXPIRED. */
  authorizationError: string;
  hasCertificate: boolean;
  commonName: string;
  organizations: string[];
  validTo: string;
  /** Certificate serial number (hex), "" without a certificate. */
  serial?: string;
  /** validTo as ms since epoch (NaN without a certificate). */
  validToMs?: number;
}

/** What limits and the audit trail key a client by: its certificate (serial), else its address. */
export function peerId(peer: Peer | undefined): string {
  return peer?.serial ? `serial:${peer.serial}` : `address:${peer?.address ?? ""}`;
}

export const peerKey = createContextKey<Peer | undefined>(undefined, { description: "TLS peer" });

// Decoding the peer certificate costs most of a millisecond: do it once per connection, not per call.
const peers = new WeakMap<object, Peer>();

/** Reads the peer from the request's TLS socket (HTTP/2 session socket or HTTP/1.1 socket). */
export function peerOf(req: NodeServerRequest): Peer | undefined {
  const stream = (req as { stream?: { session?: { socket?: unknown } } }).stream;
  const socket = (stream?.session?.socket ?? req.socket) as TLSSocket | undefined;
  if (!socket || typeof socket.getPeerCertificate !== "function") return undefined;
  const key = (stream?.session ?? socket) as object;
  const known = peers.get(key) ?? peers.get(socket);
  if (known) return known;
  const peer = readPeer(socket);
  peers.set(key, peer);
  return peer;
}

/** Remembers the peer read at connection time for the calls that follow on that socket. */
export function rememberPeer(socket: TLSSocket, peer: Peer): void {
  peers.set(socket, peer);
}

/** Reads who is on the other end of a TLS socket (decodes its certificate: call once per connection). */
export function readPeer(socket: TLSSocket): Peer {
  const cert = socket.getPeerCertificate();
  const hasCertificate = !!cert && Object.keys(cert).length > 0;
  const o = hasCertificate ? cert.subject?.O : undefined;
  const cn = hasCertificate ? cert.subject?.CN : undefined;
  return {
    address: socket.remoteAddress ?? "",
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : "",
    hasCertificate,
    commonName: Array.isArray(cn) ? cn.join(",") : (cn ?? ""),
    organizations: o === undefined ? [] : Array.isArray(o) ? o : [o],
    validTo: hasCertificate ? cert.valid_to : "",
    serial: hasCertificate ? (cert.serialNumber ?? "") : "",
    validToMs: hasCertificate ? Date.parse(cert.valid_to) : Number.NaN,
  };
}
