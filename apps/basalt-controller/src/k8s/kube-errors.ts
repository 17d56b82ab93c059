import { BasaltError, type ErrorCode } from "@basalt/machinery";

/**
 * An apiserver answer other than 2xx, as a BasaltError that keeps the HTTP status and the Status
 * reason, so callers branch on `status` (429: a PDB refused the eviction; 409: someone changed the
 * object first; 404: it is gone) and never on message text.
 */
export class KubeApiError extends BasaltError {
  override name = "KubeApiError";
  readonly status: number;
  /** metav1.Status reason: "NotFound", "Conflict", "TooManyRequests", ... */
  readonly reason: string;

  constructor(status: number, reason: string, message: string, options?: { cause?: unknown }) {
    super(codeFor(status, reason), message, options);
    this.status = status;
    this.reason = reason;
  }
}

function codeFor(status: number, reason: string): ErrorCode {
  switch (status) {
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
    case 503:
      return "unavailable";
    case 504:
      return "deadline_exceeded";
    case 0:
      return "unavailable";
    default:
      return "internal";
  }
}

/** Reads a metav1.Status body (or anything) into a KubeApiError. */
export function kubeErrorFrom(status: number, body: string, what: string): KubeApiError {
  let reason = "";
  let message = body.slice(0, 500);
  try {
    const s = JSON.parse(body) as { reason?: string; message?: string };
    reason = s.reason ?? "";
    message = s.message ?? message;
  } catch {
    // not JSON: keep the raw text
  }
  return new KubeApiError(status, reason, `${what}: ${status} ${reason}: ${message}`.trim());
}

/** Whether `err` is an apiserver answer with this HTTP status. */
export function hasStatus(err: unknown, status: number): boolean {
  return err instanceof KubeApiError && err.status === status;
}
