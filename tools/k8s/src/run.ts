import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";

/** Wall time and peak RSS (of the largest process, via /usr/bin/time when present) of one step. */
export interface StepTiming {
  label: string;
  seconds: number;
  peakRssMiB?: number;
}

/** Runs a command with its output on our stderr; resolves with its stdout. */
export function runCommand(
  cmd: string,
  args: readonly string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; captureStdout?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ["ignore", o.captureStdout ? "pipe" : "inherit", "inherit"],
    });
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    // Our stdout is reserved for the result (a directory); a child's output goes to stderr.
    if (!o.captureStdout) child.stdout?.pipe(process.stderr);
    child.once("error", (err) =>
      reject(
        new BasaltError("failed_precondition", `cannot run ${cmd}: ${err.message}`, {
          hint: `is ${cmd} installed?`,
        }),
      ),
    );
    child.once("exit", (code, signal) => {
      if (code === 0) resolve(out);
      else
        reject(new BasaltError("internal", `${cmd} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Runs one timed build step; the timing goes to `timings` and a progress line to `log`. */
export async function timedStep(
  label: string,
  cmd: string,
  args: readonly string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; timings: StepTiming[]; log: (line: string) => void },
): Promise<void> {
  const started = performance.now();
  const useTime = existsSync("/usr/bin/time");
  const dir = mkdtempSync(join(tmpdir(), "k8s-build-time-"));
  const rssFile = join(dir, "rss");
  try {
    if (useTime) await runCommand("/usr/bin/time", ["-f", "%M", "-o", rssFile, cmd, ...args], o);
    else await runCommand(cmd, args, o);
    const seconds = (performance.now() - started) / 1000;
    const kb = useTime ? Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1)) : Number.NaN;
    const peakRssMiB = Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
    o.timings.push({ label, seconds, ...(peakRssMiB !== undefined ? { peakRssMiB } : {}) });
    o.log(
      `  ${label}: ${seconds.toFixed(0)}s${peakRssMiB !== undefined ? `, peak RSS ${peakRssMiB} MiB` : ""}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
