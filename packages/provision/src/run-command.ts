import { execFile } from "node:child_process";
import { BasaltError } from "@basalt/machinery";
import type { Argv } from "./netns-commands.ts";

/**
 * Runs one short command (ip, qemu-img, mkfs.ext4) without a shell and returns its stdout; a
 * failure becomes a BasaltError carrying the command line and its stderr, and a missing program
 * says which package provides it.
 */
export function runCommand(argv: Argv, options: { timeoutMs?: number } = {}): Promise<string> {
  const [file, ...args] = argv;
  if (!file) throw new BasaltError("internal", "empty command line");
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 4 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === "ENOENT")
          return reject(
            new BasaltError("failed_precondition", `${file} is not installed`, {
              hint: packageHint[file] ?? "install it (scripts/setup.sh --all does)",
            }),
          );
        const why = e.killed ? "timed out" : (stderr.trim() || e.message).split("\n").slice(-5).join("\n");
        reject(new BasaltError("internal", `${argv.join(" ")}: ${why}`, { cause: err }));
      },
    );
  });
}

const packageHint: Record<string, string> = {
  ip: "install Debian's iproute2 (scripts/setup.sh --all does)",
  "qemu-img": "install Debian's qemu-utils (scripts/setup.sh --all does)",
  "qemu-system-x86_64": "install Debian's qemu-system-x86 (scripts/setup.sh --all does)",
  "mkfs.ext4": "install Debian's e2fsprogs (scripts/setup.sh --all does)",
};
