import { createSecureContext, type SecureContext } from "node:tls";
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

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

/** A gRPC-over-HTTP/2 transport to one node, authenticating with the client certificate. */
export function nodeTransport(
  endpoint: string,
  tls: TlsMaterial,
  options: { timeoutMs?: number } = {},
): Transport {
  return createGrpcTransport({
    baseUrl: `https://${endpoint}`,
    nodeOptions: { secureContext: secureContextFor(tls) },
    defaultTimeoutMs: options.timeoutMs,
    // One short-lived CLI call per node: do not keep idle sessions alive.
    idleConnectionTimeoutMs: 1000,
  });
}
