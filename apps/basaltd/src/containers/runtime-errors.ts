import { Code, ConnectError } from "@connectrpc/connect";
import { fromConnectError } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";

const notListening = new Set(["ENOENT", "ECONNREFUSED", "ENOTSOCK", "ECONNRESET", "EPIPE"]);

function errnoOf(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Explains an error from containerd (CRI or its own API) to the person calling the node API: a
 * socket nobody listens on means containerd is not running; an unimplemented service means the
 * CRI plugin is off or too old; anything else keeps containerd's code and message, prefixed so the
 * reader knows who said it.
 */
export function runtimeError(err: unknown, socket: string, what: string): BasaltError {
  if (err instanceof BasaltError) return err;
  const errno = errnoOf(err);
  const ce = err instanceof ConnectError ? err : undefined;
  if ((errno && notListening.has(errno)) || (ce?.code === Code.Unavailable && errno)) {
    return new BasaltError(
      "unavailable",
      `containerd is not running: nothing answers on ${socket} (${errno ?? "unavailable"})`,
      {
        hint: "see `basaltctl services` and `basaltctl logs containerd`; containers.socket in the machine config names the socket",
        cause: err,
      },
    );
  }
  if (ce?.code === Code.Unimplemented) {
    return new BasaltError(
      "failed_precondition",
      `containerd on ${socket} does not serve ${what}: ${ce.rawMessage}`,
      {
        hint: "enable containerd's CRI plugin (io.containerd.grpc.v1.cri), version 1.6 or newer",
        cause: err,
      },
    );
  }
  const e = fromConnectError(err);
  return new BasaltError(e.code, `containerd: ${what}: ${e.message}`, { hint: e.hint, cause: err });
}
