import type { ServiceConfig } from "@basalt/machinery";
import { BasaltError } from "@basalt/machinery";
import type { EventBus } from "../events/event-bus.ts";
import type { Host, SpawnedProcess } from "../host.ts";
import { redactArgv } from "../redact.ts";
import {
  type BackoffPolicy,
  crashesAfterRun,
  defaultBackoff,
  restartDelay,
  shouldRestart,
} from "./backoff.ts";
import { checkHealth } from "./health-check.ts";
import { lineSplitter, type RotatingLog } from "./rotating-log.ts";

export type ServiceState = "stopped" | "starting" | "running" | "backoff" | "stopping" | "failed";

export interface ServiceSnapshot {
  name: string;
  state: ServiceState;
  pid: number;
  restarts: number;
  health: "healthy" | "unhealthy" | "unknown";
  healthMessage: string;
  since: Date;
  /** Recent transitions; `forReaders` is the message without secrets (argv) when it differs. */
  events: { time: Date; state: string; message: string; forReaders?: string }[];
}

export interface RunnerDeps {
  host: Host;
  events: EventBus;
  log: RotatingLog;
  env: Record<string, string>;
  backoff?: BackoffPolicy;
  healthIntervalMs?: number;
}

/**
 * One supervised service: starts it, captures its output, restarts it after a crash with backoff,
 * checks its health, and stops its whole process group. The wanted state (`#wanted`) is what the
 * operator asked for; the state machine converges on it.
 */
export class ServiceRunner {
  readonly config: ServiceConfig;
  readonly #deps: RunnerDeps;
  #state: ServiceState = "stopped";
  #since = new Date();
  #wanted: "running" | "stopped" = "stopped";
  #proc: SpawnedProcess | undefined;
  #startedAt = 0;
  #restarts = 0;
  #crashes = 0;
  #timer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #health: { status: ServiceSnapshot["health"]; message: string } = { status: "unknown", message: "" };
  #events: ServiceSnapshot["events"] = [];
  #exitWaiters: (() => void)[] = [];

  constructor(config: ServiceConfig, deps: RunnerDeps) {
    this.config = config;
    this.#deps = deps;
  }

  snapshot(): ServiceSnapshot {
    return {
      name: this.config.name,
      state: this.#state,
      pid: this.#proc?.pid ?? 0,
      restarts: this.#restarts,
      health: this.#health.status,
      healthMessage: this.#health.message,
      since: this.#since,
      events: [...this.#events],
    };
  }

  start(): void {
    this.#wanted = "running";
    if (this.#state === "running" || this.#state === "starting") return;
    clearTimeout(this.#timer);
    this.#crashes = 0;
    this.#spawn();
  }

  async stop(): Promise<void> {
    this.#wanted = "stopped";
    clearTimeout(this.#timer);
    const proc = this.#proc;
    if (!proc) {
      if (this.#state !== "stopped") this.#transition("stopped", "stopped by request");
      return;
    }
    this.#transition("stopping", "stopping: SIGTERM sent");
    const exited = new Promise<void>((r) => this.#exitWaiters.push(r));
    this.#signalGroup(proc, "SIGTERM");
    const killer = setTimeout(() => {
      this.#record("stopping", `did not stop within ${this.config.stopTimeoutSeconds}s: SIGKILL sent`);
      this.#signalGroup(proc, "SIGKILL");
    }, this.config.stopTimeoutSeconds * 1000);
    await exited;
    clearTimeout(killer);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.#restarts++;
    this.start();
  }

  #spawn(): void {
    this.#transition("starting", `starting ${this.config.command.join(" ")}`, {
      forReaders: `starting ${redactArgv(this.config.command)}`,
    });
    let proc: SpawnedProcess;
    try {
      proc = this.#deps.host.spawn(this.config.command, {
        env: { ...this.#deps.env, ...this.config.env },
        cwd: this.config.workingDir,
      });
    } catch (err) {
      this.#onExit({ code: null, signal: null }, `could not start: ${(err as Error).message}`);
      return;
    }
    this.#proc = proc;
    this.#startedAt = Date.now();
    const out = lineSplitter((l) => this.#deps.log.write(`${new Date().toISOString()} ${l}\n`));
    const err = lineSplitter((l) => this.#deps.log.write(`${new Date().toISOString()} ${l}\n`));
    proc.child.stdout?.on("data", (c: Buffer) => out.push(c));
    proc.child.stderr?.on("data", (c: Buffer) => err.push(c));
    proc.child.once("error", (e) => {
      out.flush();
      err.flush();
      if (this.#proc === proc) this.#onExit({ code: null, signal: null }, `could not start: ${e.message}`);
    });
    proc.child.once("exit", (code, signal) => {
      out.flush();
      err.flush();
      if (this.#proc === proc) this.#onExit({ code, signal });
    });
    if (proc.pid) this.#transition("running", `running as pid ${proc.pid}`);
    this.#scheduleHealth(0);
  }

  #onExit(exit: { code: number | null; signal: string | null }, why?: string): void {
    this.#proc = undefined;
    clearTimeout(this.#healthTimer);
    this.#health = { status: "unknown", message: "" };
    const waiters = this.#exitWaiters.splice(0);
    if (this.#wanted === "stopped") {
      this.#transition("stopped", `stopped (${exit.signal ?? `code ${exit.code}`})`);
      for (const w of waiters) w();
      return;
    }
    const decision = shouldRestart(this.config.restart, exit);
    const message = why ?? decision.reason;
    if (!decision.restart && !why) {
      this.#transition(exit.code === 0 ? "stopped" : "failed", message);
      return;
    }
    this.#crashes = crashesAfterRun(this.#crashes, Date.now() - this.#startedAt);
    const delay = restartDelay(this.#crashes, this.#deps.backoff ?? defaultBackoff);
    this.#transition("backoff", `${message}; next start in ${delay} ms`);
    this.#timer = setTimeout(() => {
      if (this.#wanted !== "running") return;
      this.#restarts++;
      this.#spawn();
    }, delay);
  }

  #scheduleHealth(delayMs: number): void {
    const health = this.config.health;
    if (!health) return;
    clearTimeout(this.#healthTimer);
    this.#healthTimer = setTimeout(async () => {
      if (this.#state !== "running") return;
      const result = await checkHealth(health);
      if (this.#state !== "running") return;
      const status = result.healthy ? "healthy" : "unhealthy";
      if (status !== this.#health.status) {
        this.#record(this.#state, `health: ${status} (${result.message})`);
        this.#deps.events.publish("service", this.config.name, `health ${status}: ${result.message}`);
      }
      this.#health = { status, message: result.message };
      this.#scheduleHealth(this.#deps.healthIntervalMs ?? 2000);
    }, delayMs);
    this.#healthTimer.unref();
  }

  #signalGroup(proc: SpawnedProcess, signal: NodeJS.Signals): void {
    try {
      process.kill(-proc.pid, signal);
    } catch {
      try {
        proc.child.kill(signal);
      } catch {
        // Already gone: the exit handler finishes the transition.
      }
    }
  }

  #transition(state: ServiceState, message: string, options: { forReaders?: string } = {}): void {
    this.#state = state;
    this.#since = new Date();
    this.#record(state, message, options.forReaders);
    this.#deps.events.publish(
      "service",
      this.config.name,
      `${state}: ${message}`,
      options.forReaders === undefined ? {} : { forReaders: `${state}: ${options.forReaders}` },
    );
  }

  #record(state: string, message: string, forReaders?: string): void {
    this.#events.push({
      time: new Date(),
      state,
      message,
      ...(forReaders === undefined ? {} : { forReaders }),
    });
    if (this.#events.length > 20) this.#events.shift();
  }
}

export function unknownService(name: string, known: readonly string[]): BasaltError {
  return new BasaltError("not_found", `no service named "${name}"`, {
    hint: known.length ? `services on this node: ${known.join(", ")}` : "this node supervises no services",
  });
}
