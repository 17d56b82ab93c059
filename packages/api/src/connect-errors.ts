import { BasaltError, type ErrorCode, isErrorCode } from "@basalt/machinery";
import { Code, ConnectError } from "@connectrpc/connect";

const hintKey = "basalt-hint";

function toPascal(code: ErrorCode): string {
  return code.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

function toSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? "" : "_") + c.toLowerCase());
}

/** BasaltError (or anything) → ConnectError, carrying the hint in the `basalt-hint` metadata. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const e =
    err instanceof BasaltError ? err : new BasaltError("internal", String((err as Error)?.message ?? err));
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
