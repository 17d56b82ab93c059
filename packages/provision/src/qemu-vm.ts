import type { ChildProcess } from "node:child_process";
import { copyFileSync, createWriteStream } from "node:fs";
import { BasaltError } from "@basalt/machinery";
import type { Argv } from "./netns-commands.ts";
import { spawnOwned, stopProcess } from "./owned-process.ts";
import { ovmfVars, type QemuSpec, qemuArgs } from "./qemu-args.ts";

/** Console text kept in memory per VM (the whole console is in the log file). */
const consoleMemoryChars = 4 * 1024 * 1024;

/** A running qemu VM whose serial console goes to a log file and can be waited on. */
export interface Vm {
  readonly process: ChildProcess;
  /** The console so far (its last 4 MiB). */
  console(): string;
  /** How many console characters were ever seen: pass it as `from` to wait only for newer output. */
  consoleLength(): number;
  /** Resolves when `pattern` shows in the console after position `from`; rejects with the last lines. */
  waitForConsole(pattern: RegExp, timeoutMs: number, from?: number): Promise<void>;
  /** Resolves with qemu's exit code. */
  readonly exited: Promise<number | null>;
  kill(): void;
  /** SIGTERM (qemu powers off at once), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartQemuOptions extends QemuSpec {
  consoleLog: string;
  /** Prefix that runs qemu elsewhere, e.g. `ip netns exec NS`; default none. */
  exec?: Argv;
  /** Host niceness of qemu (`nice -n`, 0–19); default 0. */
  nice?: number;
  /** qemu binary; default qemu-system-x86_64. */
  qemu?: string;
  /** Start from a fresh copy of OVMF_VARS (default true); false keeps `vars` as it is. */
  freshVars?: boolean;
}

/** The whole command that runs the VM: the exec prefix, `nice` when asked, qemu and its arguments. */
export function qemuCommand(o: Omit<StartQemuOptions, "consoleLog" | "freshVars">): string[] {
  // `nice` execs qemu in place, so the owner's death signal still reaches qemu itself.
  const nice = o.nice ? ["nice", "-n", String(o.nice)] : [];
  return [...(o.exec ?? []), ...nice, o.qemu ?? "qemu-system-x86_64", ...qemuArgs(o)];
}

export function startQemu(o: StartQemuOptions): Vm {
  if (o.freshVars !== false) copyFileSync(ovmfVars, o.vars);
  const argv = qemuCommand(o);
  const child = spawnOwned(argv, { stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(o.consoleLog);
  let text = "";
  let dropped = 0;
  const waiters = new Set<() => void>();
  const onData = (b: Buffer) => {
    log.write(b);
    text += b.toString("latin1");
    if (text.length > consoleMemoryChars) {
      const cut = text.length - consoleMemoryChars;
      text = text.slice(cut);
      dropped += cut;
    }
    for (const w of waiters) w();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      log.end();
      resolve(code);
    });
    child.once("error", (err) => {
      onData(Buffer.from(`\n[provision] qemu did not start: ${err.message}\n`));
      resolve(-1);
    });
  });
  const where = `(console log: ${o.consoleLog})`;
  return {
    process: child,
    console: () => text,
    consoleLength: () => dropped + text.length,
    exited,
    kill: () => void child.kill("SIGKILL"),
    stop: (graceMs = 5000) => stopProcess(child, graceMs),
    waitForConsole(pattern, timeoutMs, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text.slice(Math.max(0, from - dropped)))) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new BasaltError(
              "deadline_exceeded",
              `console did not show ${pattern} within ${timeoutMs} ms ${where}; last lines:\n${text.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => {
          if (waiters.has(check)) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(
              new BasaltError(
                "unavailable",
                `qemu exited before the console showed ${pattern} ${where}; last lines:\n${text.slice(-2000)}`,
              ),
            );
          }
        });
        check();
      });
    },
  };
}
