import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import { accessSync, constants } from "node:fs";

/**
 * Processes that must not outlive this one (qemu, the relay, control-plane components): started
 * under `setpriv --pdeathsig KILL` when it exists, so the kernel kills them when this process dies
 * by any means (SIGKILL, a test runner timeout), and killed by an `exit` hook otherwise. `ip netns
 * exec` execs its program in place, so the death signal reaches the program itself.
 */

const live = new Set<ChildProcess>();
let hooked = false;

const setpriv = (() => {
  if (process.platform !== "linux") return undefined;
  try {
    accessSync("/usr/bin/setpriv", constants.X_OK);
    return "/usr/bin/setpriv";
  } catch {
    return undefined;
  }
})();

/** Spawns `argv` (no shell) tied to this process's life. */
export function spawnOwned(
  argv: readonly string[],
  options: { stdio: StdioOptions; env?: NodeJS.ProcessEnv },
): ChildProcess {
  if (!hooked) {
    hooked = true;
    process.on("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
  const [file, ...args] = setpriv ? [setpriv, "--pdeathsig", "KILL", "--", ...argv] : argv;
  const child = spawn(file!, args, { stdio: options.stdio, env: options.env ?? process.env });
  live.add(child);
  const forget = () => live.delete(child);
  child.once("exit", forget);
  child.once("error", forget);
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(graceMs <= 0 ? "SIGKILL" : "SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), Math.max(graceMs, 0));
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
