import { connect, type Socket } from "node:net";
import { BasaltError } from "@basalt/machinery";
import { connectLine, maxHandshakeBytes, parseAnswer, type RelayTarget } from "./relay-protocol.ts";

/**
 * Opens one connection to `target` inside the namespace through the relay's unix socket: writes the
 * handshake, waits for `OK`, and resolves with the socket, paused, ready to pipe. Rejects with the
 * relay's reason (refused, not allowed) or a connection error.
 */
export function dialRelay(socketPath: string, target: RelayTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const upstream = connect({ path: socketPath, allowHalfOpen: true });
    let head = Buffer.alloc(0);
    const fail = (why: string) => {
      upstream.destroy();
      reject(new BasaltError("unavailable", `relay to ${target.host}:${target.port}: ${why}`));
    };
    const onError = (err: Error) => fail(err.message);
    const onEnd = () => fail("closed before answering");
    upstream.once("error", onError);
    upstream.once("end", onEnd);
    upstream.once("connect", () => upstream.write(connectLine(target)));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl < 0) {
        if (head.length > maxHandshakeBytes + 200) fail("answer too long");
        return;
      }
      upstream.off("data", onData);
      upstream.pause();
      const error = parseAnswer(head.subarray(0, nl).toString());
      if (error !== undefined) return fail(error);
      upstream.off("error", onError);
      upstream.off("end", onEnd);
      const rest = head.subarray(nl + 1);
      if (rest.length > 0) upstream.unshift(rest);
      resolve(upstream);
    };
    upstream.on("data", onData);
  });
}
