#!/usr/bin/env node
/**
 * Builds the Kubernetes binaries and the node components from the Go module proxy, pinned by
 * tools/k8s/versions.env, each into its own cache directory (see README.md).
 *
 *   node tools/k8s/build.ts                 # the Kubernetes binaries; stdout: their bin dir
 *   node tools/k8s/build.ts containerd runc # those components; stdout: one bin dir per line
 *   node tools/k8s/build.ts all --json      # everything; stdout: {"component": "bin dir", …}
 *
 * Progress goes to stderr. Environment: BASALT_K8S_BIN (use those Kubernetes binaries, build none of
 * them), BASALT_CACHE (cache root), BASALT_K8S_JOBS (go build -p), BASALT_K8S_KEEP_WORK=1.
 */
import { accessSync, constants, readFileSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BasaltError, toBasaltError } from "@basalt/machinery";
import { requiredKubernetesBinaries } from "@basalt/testkit/k8s-binaries";
import { ensureComponent } from "./src/cache.ts";
import { type ComponentName, planComponent, selectComponents } from "./src/components.ts";
import { recipes } from "./src/recipes.ts";
import { runCommand } from "./src/run.ts";
import { parseVersions } from "./src/versions.ts";

const log = (line: string) => process.stderr.write(`[k8s-build] ${line}\n`);

/** BASALT_K8S_BIN: a directory of official (or otherwise built) binaries stands in for ours. */
function fromEnv(name: ComponentName, dir: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(dir);
    if (!statSync(real).isDirectory()) throw new Error();
  } catch {
    throw new BasaltError("invalid_argument", `BASALT_K8S_BIN=${dir} is not a directory`);
  }
  const executable = (b: string) => {
    try {
      accessSync(join(real, b), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name === "kube-proxy") return executable("kube-proxy") ? real : undefined;
  if (name !== "kubernetes") return undefined;
  const missing = requiredKubernetesBinaries.filter((b) => !executable(b));
  if (missing.length > 0)
    throw new BasaltError(
      "invalid_argument",
      `BASALT_K8S_BIN=${real} lacks executable(s): ${missing.join(" ")}`,
    );
  return real;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(
      "usage: node tools/k8s/build.ts [kubernetes|kube-proxy|containerd|runc|cni-plugins|pause|all]... [--json]\n",
    );
    return;
  }
  const names = selectComponents(positionals);
  const versions = parseVersions(readFileSync(join(import.meta.dirname, "versions.env"), "utf8"));
  const cacheRoot = join(process.env.BASALT_CACHE ?? join(homedir(), ".cache", "basalt"), "k8s");
  const jobs = Number(process.env.BASALT_K8S_JOBS ?? availableParallelism());
  const dirs: Partial<Record<ComponentName, string>> = {};
  for (const name of names) {
    const override = process.env.BASALT_K8S_BIN;
    if (override) {
      const dir = fromEnv(name, override);
      if (dir) {
        if (name === "kubernetes") {
          const v = await runCommand(join(dir, "kube-apiserver"), ["--version"], {
            captureStdout: true,
          }).catch(() => "");
          if (v.trim() !== `Kubernetes ${versions.kubernetes}`)
            log(
              `warning: ${dir}/kube-apiserver reports '${v.trim() || "nothing"}', pinned is ${versions.kubernetes}`,
            );
        }
        log(`${name}: using BASALT_K8S_BIN=${dir}`);
        dirs[name] = dir;
        continue;
      }
    }
    const plan = planComponent(name, versions);
    const res = await ensureComponent(
      cacheRoot,
      plan,
      async (stage, work) => {
        await runCommand("go", ["version"], { captureStdout: true }).catch(() => {
          throw new BasaltError("failed_precondition", "go is not on PATH", {
            hint: "install Go >= 1.25 (kwok needs 1.26)",
          });
        });
        log(`${name}: building into ${join(cacheRoot, plan.key)} (-p ${jobs})`);
        return recipes[name]({ versions, jobs, log }, stage, work);
      },
      log,
    );
    log(
      res.built ? `${name}: built in ${res.report?.seconds}s: ${res.bin}` : `${name}: up to date: ${res.bin}`,
    );
    dirs[name] = res.bin;
  }
  if (values.json) process.stdout.write(`${JSON.stringify(dirs)}\n`);
  else process.stdout.write(`${names.map((n) => dirs[n]).join("\n")}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = toBasaltError(err);
  log(`error: ${e.describe()}`);
  process.exit(e.code === "invalid_argument" ? 2 : 1);
});
