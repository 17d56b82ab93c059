import { createServer, type Server, type Socket } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { dialRelay } from "./relay-dial.ts";
import type { RelayTarget } from "./relay-protocol.ts";

/**
 * The host half of the relay's forwards, on a worker thread: its own event loop keeps the forwards
 * flowing while the main thread is blocked (a test calling `execFileSync("kubectl", …)` against a
 * forward would otherwise wait for itself forever).
 *
 * Messages in: `{ id, op: "forward", target, listenHost, listenPort }` and `{ id, op: "close", port }`;
 * each is answered `{ id, port }` or `{ id, error }`.
 */

export type ForwarderRequest =
  | { id: number; op: "forward"; target: RelayTarget; listenHost: string; listenPort: number }
  | { id: number; op: "close"; port: number };
export type ForwarderReply = { id: number; port?: number; error?: string };

const { socketPath } = workerData as { socketPath: string };
const forwards = new Map<number, { server: Server; sockets: Set<Socket> }>();

function pipe(socket: Socket, target: RelayTarget): void {
  socket.pause();
  socket.setNoDelay(true);
  socket.on("error", () => socket.destroy());
  dialRelay(socketPath, target).then(
    (upstream) => {
      upstream.on("error", () => socket.destroy());
      upstream.on("close", () => socket.destroy());
      socket.on("close", () => upstream.destroy());
      socket.pipe(upstream);
      upstream.pipe(socket);
      socket.resume();
      upstream.resume();
    },
    () => socket.resetAndDestroy(),
  );
}

function forward(target: RelayTarget, host: string, port: number): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    pipe(socket, target);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const bound = (server.address() as { port: number }).port;
      forwards.set(bound, { server, sockets });
      resolve(bound);
    });
  });
}

function close(port: number): Promise<void> {
  const f = forwards.get(port);
  if (!f) return Promise.resolve();
  forwards.delete(port);
  for (const s of f.sockets) s.destroy();
  return new Promise((resolve) => f.server.close(() => resolve()));
}

parentPort!.on("message", (msg: ForwarderRequest) => {
  const reply = (r: Omit<ForwarderReply, "id">) => parentPort!.postMessage({ id: msg.id, ...r });
  const work =
    msg.op === "forward"
      ? forward(msg.target, msg.listenHost, msg.listenPort)
      : close(msg.port).then(() => msg.port);
  work.then(
    (port) => reply({ port }),
    (err: Error) => reply({ error: err.message }),
  );
});
