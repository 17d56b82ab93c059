import { BasaltError, isRole, type Role } from "@basalt/machinery";
import type { Peer } from "./peer.ts";

/**
 * Turns the TLS peer into the roles it holds, or an unauthenticated error that says what is wrong
 * with the client's certificate and what to do. Pure, so every case is a table test.
 */
export function authenticate(peer: Peer | undefined): Role[] {
  const renew = "ask an admin for a new client config: basaltctl gen client --role <role>";
  if (!peer) throw new BasaltError("unauthenticated", "the node API is only served over TLS");
  if (!peer.hasCertificate) {
    throw new BasaltError("unauthenticated", "no client certificate: the node API requires mutual TLS", {
      hint: "use a client config from basaltctl gen config / gen client",
    });
  }
  if (!peer.authorized) {
    switch (peer.authorizationError) {
      case "CERT_HAS_EXPIRED":
        throw new BasaltError(
          "unauthenticated",
          `client certificate "${peer.commonName}" expired on ${peer.validTo}`,
          { hint: renew },
        );
      case "CERT_NOT_YET_VALID":
        throw new BasaltError("unauthenticated", `client certificate "${peer.commonName}" is not valid yet`, {
          hint: "check the clocks of this machine and the client",
        });
      default:
        throw new BasaltError(
          "unauthenticated",
          `client certificate "${peer.commonName}" is not signed by a CA this node trusts (${peer.authorizationError})`,
          { hint: "use the client config generated with this cluster's secrets" },
        );
    }
  }
  const roles = peer.organizations.filter(isRole);
  if (roles.length === 0) {
    throw new BasaltError(
      "permission_denied",
      `client certificate "${peer.commonName}" holds no Basalt role`,
      {
        hint: "its Subject O must be one of os:admin, os:operator, os:reader, os:upgrader",
      },
    );
  }
  return roles;
}
