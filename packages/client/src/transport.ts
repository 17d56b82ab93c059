import { createSecureContext, type PeerCertificate, type SecureContext } from "node:tls";
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { checkNodeNamed } from "./node-identity.ts";

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

// Parsing the CA, certificate and key costs about a millisecond; a fan-out to many nodes shares one
// context per identity instead of building one per node.
const contexts = new WeakMap<TlsMaterial, SecureContext>();

function secureContextFor(tls: TlsMaterial): SecureContext {
  let context = contexts.get(tls);
  if (!context) {
    context = createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: "TLSv1.3" });
    contexts.set(tls, context);
  }
  return context;
}

/**
 * A gRPC-over-HTTP/2 transport to one node, authenticating with the client certificate. With
 * `nodeName`, the node's serving certificate must name that node (subjectAltName DNS:<nodeName>)
 * instead of the address dialled: the handshake fails otherwise (see checkNodeNamed).
 */
export function nodeTransport(
  endpoint: string,
  tls: TlsMaterial,
  options: { timeoutMs?: number; nodeName?: string } = {},
): Transport {
  const { nodeName } = options;
  return createGrpcTransport({
    baseUrl: `https://${endpoint}`,
    nodeOptions: {
      secureContext: secureContextFor(tls),
      ...(nodeName
        ? { checkServerIdentity: (_host: string, cert: PeerCertificate) => checkNodeNamed(nodeName, cert) }
        : {}),
    },
    defaultTimeoutMs: options.timeoutMs,
    // One short-lived CLI call per node: do not keep idle sessions alive.
    idleConnectionTimeoutMs: 1000,
  });
}
