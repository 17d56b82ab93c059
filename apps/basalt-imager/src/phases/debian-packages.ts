import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { type BuildContext, need, type Phase } from "../build-context.ts";
import { lockedPackages } from "../debian-lock.ts";

/** One package as `apt-cache show` describes the candidate version. */
export interface AptPackage {
  name: string;
  version: string;
  arch: string;
  sha256: string;
}

/** Parses `apt-cache show --no-all-versions` output (one stanza per package). */
export function parseAptShow(text: string): AptPackage[] {
  return text
    .split(/\n\s*\n/)
    .map((stanza) => {
      const field = (f: string) => new RegExp(`^${f}: (.+)$`, "m").exec(stanza)?.[1]?.trim() ?? "";
      return {
        name: field("Package"),
        version: field("Version"),
        arch: field("Architecture"),
        sha256: field("SHA256"),
      };
    })
    .filter((p) => p.name !== "");
}

/** The file name `apt-get download` gives a package (an epoch's colon is written %3a). */
export function debFileName(p: AptPackage): string {
  return `${p.name}_${p.version.replace(/:/g, "%3a")}_${p.arch}.deb`;
}

/** The concrete kernel package a metapackage depends on (linux-image-cloud-amd64 → linux-image-6.1.0-N-cloud-amd64). */
export function kernelFromDepends(text: string): string | undefined {
  return /Depends: (linux-image-\d[^\s]*)/.exec(text)?.[1];
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

const debDir = (ctx: BuildContext) => join(ctx.cacheDir, "debs");

/**
 * Downloads exactly the packages of the lock (debian-lock.ts) into the cache, each checked against
 * the lock's SHA-256 whether it was cached or fetched: apt's current indexes do not decide what goes
 * into the image, the committed lock does.
 */
export const downloadPackages: Phase = {
  name: "download",
  async run(ctx) {
    const lock = need(ctx.lock, "Debian lock");
    ctx.out.kernelPackage = lock.kernel.name;
    ctx.out.kernelRelease = lock.kernel.name.replace(/^linux-image-/, "");
    const pkgs = lockedPackages(lock);
    mkdirSync(debDir(ctx), { recursive: true });
    let downloaded = 0;
    for (const p of pkgs) {
      const file = join(debDir(ctx), debFileName(p));
      if (!existsSync(file) || (await sha256File(file)) !== p.sha256) {
        rmSync(file, { force: true });
        await ctx.exec
          .run("apt-get", ["download", "-qq", `${p.name}=${p.version}`], { cwd: debDir(ctx) })
          .catch((err: unknown) => {
            throw new BasaltError(
              "not_found",
              `cannot download ${p.name}=${p.version} (from the lock): ${(err as Error).message}`,
              {
                hint: "run apt-get update; if the archive dropped that version, refresh the lock: basalt-imager lock --profile PROFILE",
              },
            );
          });
        downloaded++;
        if ((await sha256File(file)) !== p.sha256) {
          rmSync(file, { force: true });
          throw new BasaltError("internal", `${file} does not match the SHA-256 the lock pins (${p.sha256})`);
        }
      }
      ctx.out.debs.set(p.name, file);
      ctx.out.versions[p.name] = p.version;
    }
    return `${pkgs.length} locked packages (${downloaded} downloaded, ${pkgs.length - downloaded} cached), kernel ${lock.kernel.name}`;
  },
};

async function extractInto(ctx: BuildContext, names: readonly string[], dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of [...names].sort()) {
    const deb = ctx.out.debs.get(name);
    if (!deb) throw new BasaltError("internal", `package ${name} was not downloaded`);
    await ctx.exec.run("dpkg-deb", ["-x", deb, dir]);
  }
}

/** Unpacks the packages into three trees: the root, the initramfs staging tree, the boot files. */
export const extractPackages: Phase = {
  name: "extract",
  async run(ctx) {
    const lock = need(ctx.lock, "Debian lock");
    const root = lock.root.map((p) => p.name);
    const initramfs = lock.initramfs.map((p) => p.name);
    ctx.out.rootTree = join(ctx.workDir, "root");
    ctx.out.initTree = join(ctx.workDir, "initramfs-staging");
    ctx.out.bootTree = join(ctx.workDir, "boot-staging");
    await extractInto(ctx, [...root, lock.kernel.name], ctx.out.rootTree);
    await extractInto(ctx, initramfs, ctx.out.initTree);
    await extractInto(ctx, [lock.boot.name], ctx.out.bootTree);
    return `${root.length + 1} into the root, ${initramfs.length} into initramfs staging`;
  },
};
