import { BasaltError, type ErrorCode, isErrorCode } from "@basalt/machinery";
import { Code, ConnectError } from "@connectrpc/connect";

const hintKey = "basalt-hint";

function toPascal(code: ErrorCode): string {
  return code.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

function toSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? "" : "_") + c.toLowerCase());
}

/**
 * The longest message or hint a caller is sent. Messages may quote request data (a path); an
 * unbounded one overflows the HTTP/2 header frame that carries grpc-message (FRAME_SIZE_ERROR).
 */
export const maxErrorMessageChars = 512;

/** Cuts `text` to `max` characters, saying how much was left out. */
export function boundText(text: string, max = maxErrorMessageChars): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 40)}... (${text.length - (max - 40)} more characters)`;
}

// Raw Node system errors carry the path they were about in their message: callers get the code's
// meaning in a few words instead, never the raw text.
const errnoCodes: Record<string, { code: ErrorCode; message: string }> = {
  ENAMETOOLONG: { code: "invalid_argument", message: "a path or name is too long" },
  ELOOP: { code: "invalid_argument", message: "too many levels of symbolic links" },
  EINVAL: { code: "invalid_argument", message: "invalid argument" },
  EISDIR: { code: "invalid_argument", message: "is a directory" },
  ENOTDIR: { code: "not_found", message: "no such file or directory" },
  ENOENT: { code: "not_found", message: "no such file or directory" },
  EACCES: { code: "permission_denied", message: "permission denied" },
  EPERM: { code: "permission_denied", message: "operation not permitted" },
  EMFILE: { code: "resource_exhausted", message: "too many open files on the node" },
  ENFILE: { code: "resource_exhausted", message: "too many open files on the node" },
  ENOSPC: { code: "resource_exhausted", message: "no space left on the node" },
  EAGAIN: { code: "unavailable", message: "resource temporarily unavailable, try again" },
};

/** A BasaltError for anything thrown: raw system errors mapped by their errno code, bounded text. */
export function normalizeServerError(err: unknown): BasaltError {
  if (err instanceof BasaltError) {
    const message = boundText(err.message);
    const hint = err.hint === undefined ? undefined : boundText(err.hint);
    return message === err.message && hint === err.hint
      ? err
      : new BasaltError(err.code, message, { hint, cause: err });
  }
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno === "string" && errnoCodes[errno]) {
    const known = errnoCodes[errno];
    return new BasaltError(known.code, `${known.message} (${errno})`, { cause: err });
  }
  if (typeof errno === "string" && /^E[A-Z0-9]+$/.test(errno)) {
    return new BasaltError("internal", `system error ${errno}`, { cause: err });
  }
  const text = String((err as Error)?.message ?? err);
  return new BasaltError("internal", boundText(text, 200), { cause: err });
}

/** BasaltError (or anything) → ConnectError, carrying the hint in the `basalt-hint` metadata. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) {
    // connect-es reports an undecodable request body as Internal; it is the caller's bad input.
    if (err.code === Code.Internal && /^parse binary:/.test(err.rawMessage)) {
      return new ConnectError(boundText(err.rawMessage), Code.InvalidArgument, err.metadata, undefined, err);
    }
    if (err.rawMessage.length > maxErrorMessageChars) {
      return new ConnectError(boundText(err.rawMessage), err.code, err.metadata, undefined, err);
    }
    return err;
  }
  const e = normalizeServerError(err);
  const code = Code[toPascal(e.code) as keyof typeof Code] ?? Code.Internal;
  const metadata = new Headers();
  if (e.hint) metadata.set(hintKey, e.hint);
  return new ConnectError(e.message, code, metadata, undefined, e);
}

/** ConnectError (or anything) → BasaltError with the code and hint the server sent. */
export function fromConnectError(err: unknown): BasaltError {
  if (err instanceof BasaltError) return err;
  const ce = ConnectError.from(err);
  const snake = toSnake(Code[ce.code] ?? "Internal");
  const code: ErrorCode = isErrorCode(snake) ? snake : "internal";
  const hint = ce.metadata.get(hintKey) ?? undefined;
  return new BasaltError(code, ce.rawMessage, { hint, cause: err });
}
