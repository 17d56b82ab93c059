import { spawn } from "node:child_process";
import { BasaltError } from "@basalt/machinery";

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Bytes written to the program's stdin. */
  input?: Buffer | string;
}

/**
 * How the imager runs host programs. Phases only see this interface, so their command lines are
 * tested by recording them, without the host tools or root.
 */
export interface Executor {
  /** Runs a program to completion and returns its stdout; a non-zero exit throws with its stderr. */
  run(program: string, args: readonly string[], options?: RunOptions): Promise<string>;
}

/** The real executor: no shell, arguments passed as given, stderr kept for the error message. */
export function hostExecutor(baseEnv: Record<string, string>): Executor {
  return {
    run(program, args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(program, args, {
          cwd: options.cwd,
          env: { ...baseEnv, ...options.env },
          stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout?.on("data", (b: Buffer) => out.push(b));
        child.stderr?.on("data", (b: Buffer) => err.push(b));
        child.on("error", (e) =>
          reject(new BasaltError("unavailable", `cannot run ${program}: ${e.message}`, { cause: e })),
        );
        child.on("close", (code) => {
          if (code === 0) return resolve(Buffer.concat(out).toString("utf8"));
          const stderr = Buffer.concat(err).toString("utf8").trim().split("\n").slice(-8).join("\n");
          reject(new BasaltError("internal", `${program} ${args.join(" ")} exited ${code}:\n${stderr}`));
        });
        if (child.stdin) {
          child.stdin.on("error", () => {}); // a program may exit before reading all its input
          child.stdin.end(options.input);
        }
      });
    },
  };
}
