import { fromConnectError } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { ConnectError } from "@connectrpc/connect";

/** The innermost error code (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...) of a failed call. */
function rootCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 6 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Explains a failed call to `endpoint` in a person's terms: node unreachable (address and cause),
 * the node's certificate not matching our CA, the server refusing our certificate, or the server's
 * own error with its hint.
 */
export function explainCallError(err: unknown, endpoint: string): BasaltError {
  if (err instanceof BasaltError) return err;
  const code = rootCode(err);
  switch (code) {
    case "ECONNREFUSED":
      return new BasaltError("unavailable", `node ${endpoint} unreachable: connection refused`, {
        hint: "is basaltd running there, and is the endpoint right?",
      });
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
    case "ECONNRESET":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new BasaltError("unavailable", `node ${endpoint} unreachable: ${code}`, {
        hint: "check the address and the network path",
      });
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return new BasaltError(
        "unauthenticated",
        `node ${endpoint} presented a certificate not signed by the CA in your client config`,
        {
          hint: "wrong CA: use the client config generated with this cluster's secrets (or the right --context)",
        },
      );
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return new BasaltError("unauthenticated", `node ${endpoint}'s certificate does not name that address`, {
        hint: "connect by an address the node's certificate was generated for",
      });
    case "CERT_HAS_EXPIRED":
      return new BasaltError("unauthenticated", `node ${endpoint}'s certificate has expired`, {
        hint: "regenerate the node's machine config certificate",
      });
  }
  if (err instanceof ConnectError || (err as Error)?.name === "ConnectError") {
    const e = fromConnectError(err);
    if (e.code === "deadline_exceeded") {
      return new BasaltError("deadline_exceeded", `node ${endpoint} did not answer in time`, {
        hint: "raise --timeout or check the node",
      });
    }
    return e;
  }
  return new BasaltError("internal", `${endpoint}: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}
