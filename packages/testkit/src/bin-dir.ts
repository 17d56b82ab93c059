import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { controlPlaneBinaries } from "./k8s-binaries.ts";

/** The repository root, found from this file (packages/testkit/src). */
export const repoRoot = join(import.meta.dirname, "..", "..", "..");

/** Binaries the control plane and kwok need; kubelet and kubectl are optional here. */
export const requiredBinaries = controlPlaneBinaries;

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
      hint: "run node tools/k8s/build.ts, or point BASALT_K8S_BIN at a directory with official binaries",
    });
  return dir;
}

/** Runs tools/k8s/build.ts with `args`; its stdout (directories) is returned, its stderr passed through. */
function runBuildTool(args: string[]): Promise<string> {
  const script = join(repoRoot, "tools", "k8s", "build.ts");
  // stderr is passed through: a cold build runs for minutes and reports progress there.
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve(out);
      else reject(new BasaltError("unavailable", `${script} failed with code ${code} (its stderr is above)`));
    });
  });
}

/**
 * The directory holding the Kubernetes binaries. `BASALT_K8S_BIN` wins (official binaries, or a CI
 * cache); otherwise tools/k8s/build.ts, which prints its cache directory in milliseconds when the
 * binaries are built and builds them (minutes) when not. Memoized per process.
 */
export function k8sBinDir(): Promise<string> {
  cached ??= (async () => {
    const fromEnv = process.env.BASALT_K8S_BIN;
    if (fromEnv) return checkDir(fromEnv);
    const dir = (await runBuildTool([])).trim().split("\n").at(-1);
    if (!dir) throw new BasaltError("internal", "tools/k8s/build.ts printed no directory");
    return checkDir(dir);
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

/** The node components tools/k8s builds (each in its own cache directory). */
export type NodeComponent = "kube" | "kube-proxy" | "containerd" | "runc" | "cni-plugins" | "pause";

/**
 * The bin directory of each named node component, built first if needed (minutes when cold):
 * containerd (containerd, containerd-shim-runc-v2), runc, cni-plugins (bridge, host-local,
 * loopback, portmap), kube (the multi-call binary and a link per program), kube-proxy, pause (pause
 * and pause-<version>.oci.tar).
 */
export async function nodeComponentDirs<C extends NodeComponent>(
  components: readonly C[],
): Promise<Record<C, string>> {
  const out = await runBuildTool([...components, "--json"]);
  const dirs = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Record<C, string>;
  for (const c of components)
    if (!dirs[c]) throw new BasaltError("internal", `tools/k8s/build.ts printed no directory for ${c}`);
  return dirs;
}
