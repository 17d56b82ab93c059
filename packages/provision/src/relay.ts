import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { BasaltError } from "@basalt/machinery";
import type { ForwarderReply, ForwarderRequest } from "./forwarder-worker.ts";
import type { Argv } from "./netns-commands.ts";
import { spawnOwned, stopProcess } from "./owned-process.ts";
import { dialRelay } from "./relay-dial.ts";
import type { RelayTarget } from "./relay-protocol.ts";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function describe(msg: DistributiveOmit<ForwarderRequest, "id">): string {
  return msg.op === "forward" ? `${msg.target.host}:${msg.target.port}` : `port ${msg.port}`;
}

/**
 * TCP forwards from this host's loopback into a network namespace that has no route to or from
 * the host. Node cannot enter a namespace itself (setns is per thread, and libuv opens sockets on
 * its own threads), so one small relay process runs inside (`ip netns exec NS node relay-main.ts`)
 * and listens on a unix socket in a private temp directory; every forward listens on 127.0.0.1 and
 * hands each accepted connection to the relay with a one-line handshake naming its target.
 * One relay serves any number of forwards of its namespace. The host-side listeners run on a worker
 * thread (forwarder-worker.ts), so they keep working while the main thread blocks in a synchronous
 * call (tests run `execFileSync("kubectl", …)` and `basaltctl` against forwards).
 */

/** The default command that starts the relay; a bundled CLI passes its own (e.g. a hidden subcommand). */
export const defaultRelayCommand: Argv = [process.execPath, join(import.meta.dirname, "relay-main.ts")];

/** The forwarder thread's module; a bundled CLI passes its own bundled copy. */
export const defaultForwarderWorker = new URL("./forwarder-worker.ts", import.meta.url);

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
  readonly #worker: Worker;
  readonly #pending = new Map<number, (reply: ForwarderReply) => void>();
  #nextId = 0;
  #workerGone = false;
  #closed: Promise<void> | undefined;
  #stderr = "";

  private constructor(dir: string, child: ChildProcess, workerUrl: URL) {
    this.#dir = dir;
    this.socketPath = join(dir, "relay.sock");
    this.#child = child;
    this.#worker = new Worker(workerUrl, {
      workerData: { socketPath: this.socketPath },
    });
    this.#worker.on("message", (reply: ForwarderReply) => {
      const done = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      done?.(reply);
    });
    const gone = (why: string) => {
      this.#workerGone = true;
      for (const done of this.#pending.values()) done({ id: 0, error: why });
      this.#pending.clear();
    };
    this.#worker.on("error", (err) => gone(`the forwarder thread failed: ${err.message}`));
    this.#worker.on("exit", () => gone("the forwarder thread exited"));
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
    options: { command?: Argv; workerUrl?: URL; timeoutMs?: number } = {},
  ): Promise<Relay> {
    const dir = await mkdtemp(join(tmpdir(), "basalt-relay-"));
    const socketPath = join(dir, "relay.sock");
    const command = options.command ?? defaultRelayCommand;
    const child = spawnOwned([...exec, ...command, socketPath, ...allowed], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const relay = new Relay(dir, child, options.workerUrl ?? defaultForwarderWorker);
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
   * connection, as a closed port would. The listener runs on the relay's worker thread, so it keeps
   * serving while this thread is blocked (e.g. in `execFileSync` of a client using the forward).
   */
  async forward(
    target: RelayTarget,
    options: { listenPort?: number; listenHost?: string } = {},
  ): Promise<Forward> {
    if (this.#closed) throw new BasaltError("failed_precondition", "the relay is closed");
    const host = options.listenHost ?? "127.0.0.1";
    const port = await this.#request({
      op: "forward",
      target,
      listenHost: host,
      listenPort: options.listenPort ?? 0,
    });
    const close = async () => {
      this.#forwards.delete(close);
      if (!this.#workerGone) await this.#request({ op: "close", port });
    };
    this.#forwards.add(close);
    return { host, port, endpoint: `${host}:${port}`, target, close };
  }

  /** Opens one connection to `target` through the relay (what each forward does per connection). */
  dial(target: RelayTarget): Promise<Socket> {
    return dialRelay(this.socketPath, target);
  }

  #request(msg: DistributiveOmit<ForwarderRequest, "id">): Promise<number> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (reply) => {
        if (reply.error !== undefined)
          reject(new BasaltError("unavailable", `forward to ${describe(msg)}: ${reply.error}`));
        else resolve(reply.port!);
      });
      this.#worker.postMessage({ id, ...msg });
    });
  }

  /** Closes every forward, stops the relay and removes its directory. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all([...this.#forwards].map((close) => close()));
      this.#forwards.clear();
      await this.#worker.terminate();
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
