import { fromConnectError } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { ConnectError } from "@connectrpc/connect";
import { checkClientCertificate } from "./certificate-check.ts";
import { nodeNotNamedCode } from "./node-identity.ts";
import type { TlsMaterial } from "./transport.ts";

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

/** The innermost error in `err`'s cause chain that carries `code`. */
function innermost(err: unknown, code: string): Error {
  let e: unknown = err;
  for (let i = 0; i < 6 && e; i++) {
    if ((e as { code?: unknown }).code === code) return e as Error;
    e = (e as { cause?: unknown }).cause;
  }
  return err as Error;
}

/**
 * Explains a failed call to `endpoint` in a person's terms: node unreachable (address and cause),
 * the node's certificate not matching our CA, the server refusing our certificate, or the server's
 * own error with its hint.
 */
export function explainCallError(err: unknown, endpoint: string, tls?: Partial<TlsMaterial>): BasaltError {
  if (err instanceof BasaltError) return err;
  const code = rootCode(err);
  // GOAWAY ENHANCE_YOUR_CALM (0xb): the node's per-certificate or total connection limit.
  if (/ENHANCE_YOUR_CALM|closed with error code (11|0xb)\b/i.test(String((err as Error)?.message ?? ""))) {
    return new BasaltError(
      "resource_exhausted",
      `node ${endpoint} refused the connection: too many from this client`,
      {
        hint: "close other basaltctl sessions or streams to this node, then retry",
      },
    );
  }
  // A node drops a client whose certificate it does not accept right after the TLS handshake,
  // without a reason: the call dies as a reset or a cancelled stream. Our own certificate says why.
  const dropped =
    code === "ECONNRESET" ||
    code === "ERR_HTTP2_SESSION_ERROR" ||
    code === "ERR_HTTP2_STREAM_CANCEL" ||
    /closed with error code (CANCEL|REFUSED_STREAM)|socket hang up|ECONNRESET|tlsv13 alert certificate required/i.test(
      String((err as Error)?.message ?? ""),
    );
  if (dropped && tls) {
    const local = checkClientCertificate(tls);
    if (local) return local;
    if (/closed with error code CANCEL/.test(String((err as Error)?.message ?? ""))) {
      return new BasaltError(
        "unauthenticated",
        `node ${endpoint} closed the connection after the TLS handshake: it does not accept this client certificate`,
        { hint: "does the node trust this cluster's CA? use the client config generated with its secrets" },
      );
    }
  }
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
    case nodeNotNamedCode:
      return new BasaltError("unauthenticated", `node ${endpoint} refused: ${innermost(err, code).message}`, {
        hint: "the node's serving certificate must carry its Kubernetes node name as a DNS subjectAltName (basaltctl gen does this)",
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
