import { X509Certificate } from "node:crypto";
import { BasaltError } from "@basalt/machinery";
import type { TlsMaterial } from "./transport.ts";

const renew = "ask an admin for a new client config: basaltctl gen client --role <role>";

/**
 * Checks the client's own certificate the way a node will, locally: nodes drop a client with a
 * bad certificate at the TLS handshake without saying why (OpenSSL sends no reason for it), so
 * this is how basaltctl still tells "your certificate expired on …" or "not signed by a CA this
 * node trusts". The cluster CA in the client config is the CA the nodes trust for clients.
 * Returns undefined when the certificate looks good.
 */
export function checkClientCertificate(tls: Partial<TlsMaterial>, now = new Date()): BasaltError | undefined {
  if (!tls.cert) {
    return new BasaltError("unauthenticated", "no client certificate: the node API requires mutual TLS", {
      hint: "use a client config from basaltctl gen config / gen client",
    });
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(tls.cert);
  } catch {
    return new BasaltError(
      "invalid_argument",
      "the client certificate in the client config is not a PEM certificate",
      {
        hint: renew,
      },
    );
  }
  const cn = /CN=([^\n]*)/.exec(cert.subject)?.[1] ?? "";
  if (new Date(cert.validTo).getTime() < now.getTime()) {
    return new BasaltError("unauthenticated", `client certificate "${cn}" expired on ${cert.validTo}`, {
      hint: renew,
    });
  }
  if (new Date(cert.validFrom).getTime() > now.getTime()) {
    return new BasaltError(
      "unauthenticated",
      `client certificate "${cn}" is not valid yet (from ${cert.validFrom})`,
      {
        hint: "check the clocks of this machine and the node",
      },
    );
  }
  if (tls.ca) {
    let signed = false;
    try {
      const ca = new X509Certificate(tls.ca);
      signed = cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch {
      signed = false;
    }
    if (!signed) {
      return new BasaltError(
        "unauthenticated",
        `client certificate "${cn}" is not signed by a CA this node trusts (the cluster CA of your client config)`,
        { hint: "use the client config generated with this cluster's secrets" },
      );
    }
  }
  return undefined;
}
