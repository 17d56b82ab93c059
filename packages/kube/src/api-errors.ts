import { BasaltError, type ErrorCode } from "@basalt/machinery";
import { ApiException, type V1Status } from "@kubernetes/client-node";

/**
 * What an apiserver answered when a call failed: the HTTP code, the decoded `Status` body (the
 * TS client leaves it as JSON text), and `Retry-After`. `code` is undefined for failures that never
 * got an answer (connection refused, timeout, aborted).
 */
export interface ApiFailure {
  code: number | undefined;
  status: V1Status | undefined;
  retryAfterSeconds: number | undefined;
  message: string;
}

function decodeStatus(body: unknown): V1Status | undefined {
  if (body && typeof body === "object") return body as V1Status;
  if (typeof body !== "string" || body === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === "object" ? (parsed as V1Status) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads an error thrown by a @kubernetes/client-node call (or anything else) as an `ApiFailure`. */
export function apiFailure(err: unknown): ApiFailure {
  if (err instanceof ApiException) {
    const status = decodeStatus(err.body);
    const header = (err.headers as Record<string, string> | undefined)?.["retry-after"];
    const retryAfter = header === undefined ? undefined : Number(header);
    return {
      code: err.code,
      status,
      retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
      message: status?.message ?? `HTTP ${err.code}`,
    };
  }
  return {
    code: undefined,
    status: undefined,
    retryAfterSeconds: undefined,
    message: err instanceof Error ? err.message : String(err),
  };
}

/** The Basalt error code for an apiserver failure. Conflicts (stale resourceVersion) are `failed_precondition`. */
export function errorCodeFor(failure: ApiFailure): ErrorCode {
  const reason = failure.status?.reason;
  switch (failure.code) {
    case undefined:
      return "unavailable";
    case 400:
    case 422:
      return "invalid_argument";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 404:
      return "not_found";
    case 409:
      return reason === "AlreadyExists" ? "already_exists" : "failed_precondition";
    case 429:
      return "resource_exhausted";
    case 504:
      return "deadline_exceeded";
    default:
      return failure.code >= 500 ? "unavailable" : "internal";
  }
}

/** Normalizes a client-node error into a BasaltError at the Kubernetes boundary; `what` says which call. */
export function kubeError(what: string, err: unknown): BasaltError {
  if (err instanceof BasaltError) return err;
  const failure = apiFailure(err);
  const code = failure.code === undefined ? "" : ` (HTTP ${failure.code})`;
  return new BasaltError(errorCodeFor(failure), `${what}: ${failure.message}${code}`, { cause: err });
}

/** HTTP status of a client-node error, if the apiserver answered. */
export function httpStatusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}
