import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";

/** The repository root, found from this file (packages/testkit/src). */
export const repoRoot = join(import.meta.dirname, "..", "..", "..");

/** Binaries the control plane and kwok need; kubelet and kubectl are optional here. */
export const requiredBinaries = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
] as const;

let cached: Promise<string> | undefined;

function checkDir(dir: string): string {
  const missing = requiredBinaries.filter((b) => {
    try {
      accessSync(join(dir, b), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0)
    throw new BasaltError("not_found", `${dir} lacks executable(s): ${missing.join(", ")}`, {
      hint: "run tools/k8s/build.sh, or point BASALT_K8S_BIN at a directory with official binaries",
    });
  return dir;
}

/**
 * The directory holding the Kubernetes binaries. `BASALT_K8S_BIN` wins (official binaries, or a CI
 * cache); otherwise tools/k8s/build.sh, which prints its cache directory in milliseconds when the
 * binaries are built and builds them (minutes) when not. Memoized per process.
 */
export function k8sBinDir(): Promise<string> {
  cached ??= (async () => {
    const fromEnv = process.env.BASALT_K8S_BIN;
    if (fromEnv) return checkDir(fromEnv);
    const script = join(repoRoot, "tools", "k8s", "build.sh");
    // stderr is passed through: a cold build runs for minutes and reports progress there.
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(script, [], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => {
        out += c;
      });
      child.once("error", reject);
      child.once("exit", (code) => {
        if (code === 0) resolve(out);
        else
          reject(new BasaltError("unavailable", `${script} failed with code ${code} (its stderr is above)`));
      });
    });
    const dir = stdout.trim().split("\n").at(-1);
    if (!dir) throw new BasaltError("internal", `${script} printed no directory`);
    return checkDir(dir);
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
