import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { type BuildContext, need, type Phase } from "../build-context.ts";

/** The tool that builds (or finds in its cache) the pinned Kubernetes and node components. */
export const componentTool = "tools/k8s/build.ts";

/** The component names a profile's `components:` entries need, sorted. */
export function componentsOf(entries: readonly { from: string }[]): string[] {
  return [...new Set(entries.map((e) => e.from.slice(0, e.from.indexOf("/"))))].sort();
}

/** Runs the component tool: {component: bin dir}. Its progress (stderr) goes to the build log. */
async function componentDirs(ctx: BuildContext, names: string[]): Promise<Record<string, string>> {
  const script = join(ctx.repoRoot, componentTool);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...names, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      err += c;
      for (const line of c.split("\n"))
        if (line.includes("built in") || line.includes("building ")) ctx.log(`    ${line}`);
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0)
        return reject(
          new BasaltError(
            "unavailable",
            `${componentTool} ${names.join(" ")} failed (exit ${code}): ${err.trim().split("\n").slice(-5).join(" | ")}`,
            {
              hint: `run node ${componentTool} ${names.join(" ")} to see the whole build log`,
            },
          ),
        );
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as Record<string, string>);
      } catch {
        reject(new BasaltError("internal", `${componentTool} printed no JSON: ${out.slice(0, 200)}`));
      }
    });
  });
}

/**
 * Copies the profile's `components:` files (containerd, runc, kubelet, … built from the Go module
 * proxy by tools/k8s, cached outside the repository) into the root, keeping their modes. The
 * mapping goes into the manifest.
 */
export const addComponents: Phase = {
  name: "components",
  async run(ctx) {
    const entries = ctx.profile.components;
    if (entries.length === 0) return "none";
    const root = need(ctx.out.rootTree, "root tree");
    const names = componentsOf(entries);
    const dirs = await componentDirs(ctx, names);
    let bytes = 0;
    ctx.out.components = {};
    for (const e of entries) {
      const [component, file] = [e.from.slice(0, e.from.indexOf("/")), e.from.slice(e.from.indexOf("/") + 1)];
      const dir = dirs[component];
      if (!dir) throw new BasaltError("internal", `${componentTool} gave no directory for ${component}`);
      const src = join(dir, file);
      if (!existsSync(src))
        throw new BasaltError("not_found", `component ${component} has no file ${file} (in ${dir})`, {
          hint: "check the component's outputs in tools/k8s/README.md and the pins in versions.env",
        });
      const dest = join(root, e.to);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(src, dest);
      const mode = statSync(src).mode & 0o111 ? 0o755 : 0o644;
      chmodSync(dest, mode);
      bytes += statSync(dest).size;
      ctx.out.components[`/${e.to}`] = { from: e.from, cacheDir: dir };
    }
    return `${entries.length} files from ${names.join(", ")}, ${(bytes / 1048576).toFixed(1)} MiB`;
  },
};
