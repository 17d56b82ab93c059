import { spawn } from "node:child_process";
import { BasaltError } from "@basalt/machinery";

/** A held lock; `release` is idempotent. The lock also goes when this process dies. */
export interface HeldLock {
  release(): void;
}

/**
 * Takes an exclusive flock(2) on `path` (the same lock `flock(1)` and the old shell script took),
 * waiting for it. A `flock` child holds it while its stdin is open, so the lock goes away with us
 * even on a crash. `onWait` is called once if someone else holds it.
 */
export async function lockFile(path: string, onWait?: () => void): Promise<HeldLock> {
  const tryOnce = async (wait: boolean): Promise<HeldLock | undefined> => {
    const child = spawn(
      "flock",
      [...(wait ? [] : ["-n", "-E", "75"]), path, "sh", "-c", "echo locked; exec cat >/dev/null"],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    return new Promise((resolve, reject) => {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => {
        out += c;
        if (out.includes("locked\n"))
          resolve({
            release: () => {
              child.stdin.end();
            },
          });
      });
      child.once("error", (err) =>
        reject(
          new BasaltError("failed_precondition", `cannot run flock: ${err.message}`, {
            hint: "install util-linux",
          }),
        ),
      );
      child.once("exit", (code) => {
        if (code === 75) resolve(undefined);
        else if (!out.includes("locked\n"))
          reject(new BasaltError("internal", `flock ${path} exited with ${code}`));
      });
    });
  };
  const held = await tryOnce(false);
  if (held) return held;
  onWait?.();
  const waited = await tryOnce(true);
  if (!waited) throw new BasaltError("internal", `flock ${path} gave up`);
  return waited;
}
