import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, closeSync, constants, openSync, readFileSync } from "node:fs";
import { BasaltError } from "@basalt/machinery";

/**
 * One control-plane process (etcd, kube-apiserver, …) whose stdout and stderr go straight to a log
 * file. Every live component is remembered so that, however the test process ends, none outlives
 * it: on Linux each is started under `setpriv --pdeathsig KILL` (the kernel kills it when this
 * process dies, even by SIGKILL or a node:test timeout), and an `exit` hook kills the rest.
 */

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

const setpriv = (() => {
  if (process.platform !== "linux") return undefined;
  try {
    accessSync("/usr/bin/setpriv", constants.X_OK);
    return "/usr/bin/setpriv";
  } catch {
    return undefined;
  }
})();

export interface ComponentSpec {
  /** Short name used in messages and as the log file's stem (etcd, kube-apiserver, …). */
  name: string;
  /** Absolute path of the executable. */
  command: string;
  args: readonly string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  /** Prefix that runs the command elsewhere, e.g. `ip netns exec NS` (which execs it in place). */
  wrap?: readonly string[];
}

/** A started component: its pid, how it ended, and its log. */
export class Component {
  readonly name: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, with its code or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stopping = false;

  constructor(spec: ComponentSpec) {
    installExitHook();
    this.name = spec.name;
    this.logPath = spec.logPath;
    const fd = openSync(spec.logPath, "a");
    try {
      const argv = [...(spec.wrap ?? []), spec.command, ...spec.args];
      const [file, args] = setpriv
        ? [setpriv, ["--pdeathsig", "KILL", "--", ...argv]]
        : [argv[0]!, argv.slice(1)];
      this.child = spawn(file, args, { stdio: ["ignore", fd, fd], env: spec.env ?? process.env });
    } finally {
      closeSync(fd);
    }
    live.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        live.delete(this.child);
        resolve({ code, signal });
      });
      this.child.once("error", () => {
        live.delete(this.child);
        resolve({ code: -1, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  /** The last `lines` lines of the log, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  /** Whether `stop()` was called: an exit after that is expected, not a crash. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** The error to report when this component exited on its own, with its log's tail. */
  exitError(): BasaltError {
    const code = this.child.exitCode;
    const how = this.child.signalCode ?? `code ${code}`;
    return new BasaltError("unavailable", `${this.name} exited (${how}); last log lines:\n${this.tail()}`, {
      hint: `full log: ${this.logPath}`,
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopping = true;
    if (!this.running) return;
    this.child.kill(graceMs <= 0 ? "SIGKILL" : "SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), Math.max(graceMs, 0));
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
