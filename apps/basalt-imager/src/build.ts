import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { BasaltError } from "@basalt/machinery";
import type { BuildContext } from "./build-context.ts";
import { lockPathFor, parseLock } from "./debian-lock.ts";
import { hostExecutor } from "./exec.ts";
import { buildPhases } from "./phases/index.ts";
import { loadProfile } from "./profile.ts";
import { type PhaseTiming, runPhases } from "./run-phases.ts";

export interface BuildOptions {
  profilePath: string;
  outDir: string;
  repoRoot: string;
  cacheDir?: string;
  keepWork?: boolean;
  log?: (line: string) => void;
  /** Changes to the profile for this build (test images: another version, a fault on the command line). */
  overrides?: { version?: string; kernelCmdline?: string[]; compileCache?: boolean };
  /** PEM Ed25519 key that signs the update bundle; without it no bundle is written. */
  releaseKey?: string;
  /** Only the update bundle (and its parts): no disk.raw, for versions that are only ever upgraded to. */
  bundleOnly?: boolean;
}

/** Default download cache, outside the repository, shared by every build on this machine. */
export function defaultCacheDir(): string {
  return process.env.BASALT_CACHE ?? join(homedir(), ".cache", "basalt");
}

/** Builds an image from a profile into `outDir` (disk.raw, root.img, the UKI, manifest.json). */
export async function buildImage(o: BuildOptions): Promise<{ manifestPath: string; timings: PhaseTiming[] }> {
  const parsed = loadProfile(resolve(o.profilePath), (p) => readFileSync(p, "utf8"));
  const profile = {
    ...parsed,
    version: o.overrides?.version ?? parsed.version,
    kernelCmdline: [...parsed.kernelCmdline, ...(o.overrides?.kernelCmdline ?? [])],
    basaltd: { ...parsed.basaltd, compileCache: o.overrides?.compileCache ?? parsed.basaltd.compileCache },
  };
  const lockPath = lockPathFor(resolve(o.profilePath));
  let lockText: string;
  try {
    lockText = readFileSync(lockPath, "utf8");
  } catch {
    throw new BasaltError("not_found", `no Debian lock ${lockPath} next to the profile`, {
      hint: `create it: basalt-imager lock --profile ${o.profilePath} (and commit it)`,
    });
  }
  const lock = parseLock(lockText, parsed, lockPath);
  const outDir = resolve(o.outDir);
  const workDir = join(outDir, "work");
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const sourceDateEpoch = Number(process.env.SOURCE_DATE_EPOCH ?? 1735689600);
  const ctx: BuildContext = {
    profile,
    lock,
    repoRoot: o.repoRoot,
    outDir,
    workDir,
    cacheDir: o.cacheDir ?? defaultCacheDir(),
    sourceDateEpoch,
    releaseKey: o.releaseKey,
    exec: hostExecutor({
      PATH: `${process.env.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`,
      HOME: process.env.HOME ?? "/root",
      LC_ALL: "C",
      TZ: "UTC",
      SOURCE_DATE_EPOCH: String(sourceDateEpoch),
    }),
    log: o.log ?? ((line) => console.log(line)),
    out: { debs: new Map(), versions: {}, artifacts: {} },
  };
  const phases = o.bundleOnly ? buildPhases.filter((p) => p.name !== "disk") : buildPhases;
  const timings = await runPhases(phases, ctx);
  writeFileSync(join(outDir, "build-report.json"), `${JSON.stringify({ timings }, null, 2)}\n`);
  if (!o.keepWork) rmSync(workDir, { recursive: true, force: true });
  return { manifestPath: join(outDir, "manifest.json"), timings };
}
