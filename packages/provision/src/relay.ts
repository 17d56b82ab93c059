import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import type { Argv } from "./netns-commands.ts";
import { spawnOwned, stopProcess } from "./owned-process.ts";
import { connectLine, maxHandshakeBytes, parseAnswer, type RelayTarget } from "./relay-protocol.ts";

/**
 * TCP forwards from this host's loopback into a network namespace that has no route to or from
 * the host. Node cannot enter a namespace itself (setns is per thread, and libuv opens sockets on
 * its own threads), so one small relay process runs inside (`ip netns exec NS node relay-main.ts`)
 * and listens on a unix socket in a private temp directory; every forward listens on 127.0.0.1 and
 * hands each accepted connection to the relay with a one-line handshake naming its target.
 * One relay serves any number of forwards of its namespace.
 */

/** The default command that starts the relay; a bundled CLI passes its own (e.g. a hidden subcommand). */
export const defaultRelayCommand: Argv = [process.execPath, join(import.meta.dirname, "relay-main.ts")];

export interface Forward {
  /** 127.0.0.1 */
  host: string;
  port: number;
  /** `127.0.0.1:<port>` */
  endpoint: string;
  target: RelayTarget;
  close(): Promise<void>;
}

export class Relay implements AsyncDisposable {
  readonly socketPath: string;
  readonly #dir: string;
  readonly #child: ChildProcess;
  readonly #forwards = new Set<() => Promise<void>>();
  #closed: Promise<void> | undefined;
  #stderr = "";

  private constructor(dir: string, child: ChildProcess) {
    this.#dir = dir;
    this.socketPath = join(dir, "relay.sock");
    this.#child = child;
    child.stderr?.on("data", (b: Buffer) => {
      this.#stderr = (this.#stderr + b.toString()).slice(-4000);
    });
  }

  /**
   * Starts the relay inside the namespace whose exec prefix is `exec`, allowed to reach `allowed`
   * (CIDRs; the run's subnet and 127.0.0.0/8 of the namespace). Resolves once it listens.
   */
  static async start(
    exec: Argv,
    allowed: readonly string[],
    options: { command?: Argv; timeoutMs?: number } = {},
  ): Promise<Relay> {
    const dir = await mkdtemp(join(tmpdir(), "basalt-relay-"));
    const socketPath = join(dir, "relay.sock");
    const command = options.command ?? defaultRelayCommand;
    const child = spawnOwned([...exec, ...command, socketPath, ...allowed], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const relay = new Relay(dir, child);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new BasaltError("deadline_exceeded", `the relay did not start: ${relay.#stderr}`)),
          options.timeoutMs ?? 20_000,
        );
        let out = "";
        child.stdout?.on("data", (b: Buffer) => {
          out += b.toString();
          if (out.includes("ready\n")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new BasaltError("unavailable", `the relay exited (code ${code}): ${relay.#stderr.trim()}`));
        });
        child.once("error", (err) => {
          clearTimeout(timer);
          reject(new BasaltError("unavailable", `the relay did not start: ${err.message}`));
        });
      });
    } catch (err) {
      await relay.close();
      throw err;
    }
    return relay;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Listens on 127.0.0.1 (port `listenPort`, default a free one) and forwards every connection to
   * `target` inside the namespace. A target that refuses or is not allowed resets the host-side
   * connection, as a closed port would.
   */
  async forward(
    target: RelayTarget,
    options: { listenPort?: number; listenHost?: string } = {},
  ): Promise<Forward> {
    if (this.#closed) throw new BasaltError("failed_precondition", "the relay is closed");
    const host = options.listenHost ?? "127.0.0.1";
    const sockets = new Set<Socket>();
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      this.#pipe(socket, target);
    });
    const close = () => {
      for (const s of sockets) s.destroy();
      return closeServer(server);
    };
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.listenPort ?? 0, host, () => resolve());
    });
    this.#forwards.add(close);
    const port = (server.address() as { port: number }).port;
    return {
      host,
      port,
      endpoint: `${host}:${port}`,
      target,
      close: () => {
        this.#forwards.delete(close);
        return close();
      },
    };
  }

  /** Opens one connection to `target` through the relay (what each forward does per connection). */
  dial(target: RelayTarget): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const upstream = connect({ path: this.socketPath, allowHalfOpen: true });
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

  #pipe(socket: Socket, target: RelayTarget): void {
    socket.pause();
    socket.setNoDelay(true);
    socket.on("error", () => socket.destroy());
    this.dial(target).then(
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

  /** Closes every forward, stops the relay and removes its directory. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all([...this.#forwards].map((close) => close()));
      this.#forwards.clear();
      this.#child.stdin?.end();
      await stopProcess(this.#child, 1000);
      await rm(this.#dir, { recursive: true, force: true });
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
  });
}
