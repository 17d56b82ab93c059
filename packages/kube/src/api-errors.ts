import { BasaltError, type ErrorCode } from "@basalt/machinery";

/** One `details.causes` entry of a metav1.Status (e.g. reason `DisruptionBudget` on a refused eviction). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/**
 * An apiserver answer other than 2xx (or no answer: `status` 0), as a BasaltError that keeps the
 * HTTP status, the Status reason and causes, and `Retry-After`, so callers branch on those (429
 * with a `DisruptionBudget` cause: a PDB refused an eviction; 409: someone changed the object
 * first; 404: it is gone) and never on message text.
 */
export class KubeApiError extends BasaltError {
  override name = "KubeApiError";
  /** HTTP status; 0 when the apiserver never answered (refused, reset, timed out, aborted). */
  readonly status: number;
  /** metav1.Status reason: "NotFound", "Conflict", "TooManyRequests", ... ("" if none). */
  readonly reason: string;
  readonly causes: readonly StatusCause[];
  /** The `Retry-After` header in seconds, when the apiserver sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    reason: string,
    message: string,
    options: { cause?: unknown; causes?: readonly StatusCause[]; retryAfterSeconds?: number } = {},
  ) {
    super(errorCodeFor(status, reason), message, options.cause === undefined ? {} : { cause: options.cause });
    this.status = status;
    this.reason = reason;
    this.causes = options.causes ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * The Basalt error code for an apiserver answer. 5xx: the server failed, not the request, so the
 * call may be retried as it is (`unavailable`), except 504 (`deadline_exceeded`). Conflicts (a stale
 * resourceVersion) and 410 Gone (a watch's version is too old) are `failed_precondition`.
 */
export function errorCodeFor(status: number, reason = ""): ErrorCode {
  switch (status) {
    case 0:
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
    case 410:
      return "failed_precondition";
    case 429:
      return "resource_exhausted";
    case 504:
      return "deadline_exceeded";
    default:
      return status >= 500 ? "unavailable" : "internal";
  }
}

/** Reads an answer's metav1.Status body (or any text) and `Retry-After` into a KubeApiError. */
export function kubeErrorFrom(
  status: number,
  body: string,
  what: string,
  retryAfter?: string | string[] | undefined,
): KubeApiError {
  let reason = "";
  let message = body.slice(0, 500);
  let causes: StatusCause[] = [];
  try {
    const s = JSON.parse(body) as { reason?: string; message?: string; details?: { causes?: StatusCause[] } };
    reason = s.reason ?? "";
    message = s.message ?? message;
    causes = Array.isArray(s.details?.causes) ? s.details.causes : [];
  } catch {
    // not JSON: keep the raw text
  }
  const header = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  const seconds = header === undefined ? Number.NaN : Number(header);
  return new KubeApiError(status, reason, `${what}: ${status} ${reason}: ${message}`.trim(), {
    causes,
    ...(Number.isFinite(seconds) ? { retryAfterSeconds: seconds } : {}),
  });
}

/** Whether `err` is an apiserver answer with this HTTP status. */
export function hasStatus(err: unknown, status: number): boolean {
  return err instanceof KubeApiError && err.status === status;
}
