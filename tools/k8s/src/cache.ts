import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import type { ComponentPlan } from "./components.ts";
import { lockFile } from "./lock.ts";
import type { StepTiming } from "./run.ts";

/** Where a component lives: `<root>/<key>/{bin/,stamp,report.json,.lock}`. */
export interface ComponentDirs {
  top: string;
  bin: string;
  stamp: string;
  report: string;
  lock: string;
}

export function componentDirs(cacheRoot: string, plan: ComponentPlan): ComponentDirs {
  const top = join(cacheRoot, plan.key);
  return {
    top,
    bin: join(top, "bin"),
    stamp: join(top, "stamp"),
    report: join(top, "report.json"),
    lock: join(top, ".lock"),
  };
}

/** The outputs missing from `dir` (absent; executables must be executable). */
export function missingOutputs(dir: string, outputs: readonly string[]): string[] {
  return outputs.filter((name) => {
    try {
      accessSync(join(dir, name), name.endsWith(".tar") ? constants.R_OK : constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/** Fresh: the stamp matches the plan exactly and every output is there. */
export function isFresh(dirs: ComponentDirs, plan: ComponentPlan): boolean {
  if (!existsSync(dirs.stamp)) return false;
  if (readFileSync(dirs.stamp, "utf8") !== plan.stamp) return false;
  return missingOutputs(dirs.bin, plan.outputs).length === 0;
}

/** What a build reports (written to report.json next to bin/, and printed). */
export interface BuildReport {
  component: string;
  key: string;
  seconds: number;
  steps: StepTiming[];
  builtAt: string;
}

/**
 * Returns the component's bin directory, building it first unless it is fresh. One build per key at a
 * time (flock on `.lock`); the build writes into a `work.*` directory, the result is checked, then
 * swapped in with a rename, and the stamp is written last, so a crash never leaves a "fresh" half.
 */
export async function ensureComponent(
  cacheRoot: string,
  plan: ComponentPlan,
  build: (stage: string, work: string) => Promise<StepTiming[]>,
  log: (line: string) => void,
): Promise<{ bin: string; built: boolean; report?: BuildReport }> {
  const dirs = componentDirs(cacheRoot, plan);
  if (isFresh(dirs, plan)) return { bin: dirs.bin, built: false };
  mkdirSync(dirs.top, { recursive: true });
  const lock = await lockFile(dirs.lock, () =>
    log(`another build of ${plan.key} is running; waiting for it`),
  );
  try {
    if (isFresh(dirs, plan)) return { bin: dirs.bin, built: false };
    rmSync(dirs.stamp, { force: true });
    // Leftovers of an interrupted run (we hold the lock).
    for (const name of readdirSync(dirs.top))
      if (name.startsWith("work.")) rmSync(join(dirs.top, name), { recursive: true, force: true });
    const work = mkdtempSync(join(dirs.top, "work."));
    const stage = join(work, "bin");
    mkdirSync(stage);
    const started = performance.now();
    try {
      const steps = await build(stage, work);
      const missing = missingOutputs(stage, plan.outputs);
      if (missing.length > 0)
        throw new BasaltError("internal", `${plan.name} build did not produce ${missing.join(", ")}`);
      rmSync(`${dirs.bin}.old`, { recursive: true, force: true });
      if (existsSync(dirs.bin)) renameSync(dirs.bin, `${dirs.bin}.old`);
      renameSync(stage, dirs.bin);
      rmSync(`${dirs.bin}.old`, { recursive: true, force: true });
      const report: BuildReport = {
        component: plan.name,
        key: plan.key,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        steps,
        builtAt: new Date().toISOString(),
      };
      writeFileSync(dirs.report, `${JSON.stringify(report, null, 2)}\n`);
      writeFileSync(`${dirs.stamp}.tmp`, plan.stamp);
      renameSync(`${dirs.stamp}.tmp`, dirs.stamp);
      return { bin: dirs.bin, built: true, report };
    } finally {
      if (process.env.BASALT_K8S_KEEP_WORK !== "1") rmSync(work, { recursive: true, force: true });
    }
  } finally {
    lock.release();
  }
}
