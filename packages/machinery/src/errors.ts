/**
 * The one error type of Basalt. Every boundary (RPC handlers, the client, the CLI, config loading)
 * normalizes what it catches into a BasaltError, so callers branch on `code`, never on message text.
 * The codes mirror the RPC status codes so they cross the wire unchanged.
 */
export const errorCodes = [
  "invalid_argument",
  "not_found",
  "already_exists",
  "permission_denied",
  "unauthenticated",
  "failed_precondition",
  "resource_exhausted",
  "unavailable",
  "deadline_exceeded",
  "canceled",
  "unimplemented",
  "internal",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class BasaltError extends Error {
  override name = "BasaltError";
  readonly code: ErrorCode;
  /** What the person reading the error should do about it, when we know. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options?.hint;
  }

  /** The message with its hint, as shown to a person. */
  describe(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

export function isErrorCode(value: string): value is ErrorCode {
  return (errorCodes as readonly string[]).includes(value);
}

/** Wraps anything thrown into a BasaltError, keeping BasaltErrors as they are. */
export function toBasaltError(err: unknown, fallback: ErrorCode = "internal"): BasaltError {
  if (err instanceof BasaltError) return err;
  if (err instanceof Error) return new BasaltError(fallback, err.message, { cause: err });
  return new BasaltError(fallback, String(err));
}
