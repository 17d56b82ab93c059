import type { DebianLock } from "./debian-lock.ts";
import type { Executor } from "./exec.ts";
import type { Profile } from "./profile.ts";

/** The dm-verity parameters a UKI's command line carries to the initramfs. */
export interface VerityInfo {
  rootHash: string;
  salt: string;
  dataBlocks: number;
  /** Bytes of erofs data before the hash tree (the tree starts with its superblock there). */
  hashOffset: number;
}

/** One artifact in the manifest. */
export interface Artifact {
  file: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * What the build phases share: the inputs (profile, paths, executor) and what earlier phases
 * produced. Each phase reads what it needs and fills in its own part.
 */
export interface BuildContext {
  profile: Profile;
  /** The Debian lock next to the profile (debian-lock.ts): exactly what the build downloads. */
  lock?: DebianLock;
  /** The repository root: the basaltd bundle and node_modules are found from here. */
  repoRoot: string;
  outDir: string;
  /** Scratch space for trees and intermediate images, inside outDir. */
  workDir: string;
  /** Downloads kept between builds (debs, npm tarballs): ${BASALT_CACHE:-~/.cache/basalt}. */
  cacheDir: string;
  sourceDateEpoch: number;
  /** Ed25519 private key (PEM) that signs the update bundle; no bundle without one. */
  releaseKey?: string;
  exec: Executor;
  log(line: string): void;
  /** Filled in by the phases, in order. */
  out: {
    /** Debian package name → cached .deb path. */
    debs: Map<string, string>;
    /** Debian package name → resolved version (recorded in the manifest). */
    versions: Record<string, string>;
    kernelPackage?: string;
    kernelRelease?: string;
    rootTree?: string;
    /** Root path → the tools/k8s component file it was copied from (`components:` of the profile). */
    components?: Record<string, { from: string; cacheDir: string }>;
    /** The `kernelModules.load` names, checked against the kernel; `builtin` ones need no loading. */
    kernelModules?: { load: string[]; builtin: string[]; files: number };
    initTree?: string;
    bootTree?: string;
    kernelImage?: string;
    rootFiles?: number;
    rootTreeBytes?: number;
    rootImage?: string;
    verity?: VerityInfo;
    initramfs?: string;
    cmdline?: string;
    uki?: string;
    /** The UKI for slot B (only in update bundles). */
    ukiB?: string;
    bundle?: string;
    disk?: string;
    artifacts: Record<string, Artifact>;
  };
}

/** A named step of the build; `run` returns a short summary for the progress line. */
export interface Phase {
  name: string;
  run(ctx: BuildContext): Promise<string | undefined>;
}

/** Returns a value a previous phase should have produced, or fails naming the phase order bug. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`build phase order: ${what} is not produced yet`);
  return value;
}
