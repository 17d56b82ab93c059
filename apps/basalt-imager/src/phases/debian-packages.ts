import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import type { BuildContext, Phase } from "../build-context.ts";

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

/** Resolves the kernel metapackage and downloads every package into the cache (checked by SHA-256). */
export const downloadPackages: Phase = {
  name: "download",
  async run(ctx) {
    const { debian } = ctx.profile;
    let kernel = debian.kernel;
    if (!/^linux-image-\d/.test(kernel)) {
      const deps = await ctx.exec.run("apt-cache", ["depends", "--no-recommends", "--no-suggests", kernel]);
      kernel = kernelFromDepends(deps) ?? "";
      if (!kernel) throw new BasaltError("not_found", `cannot resolve kernel package ${debian.kernel}`);
    }
    ctx.out.kernelPackage = kernel;
    ctx.out.kernelRelease = kernel.replace(/^linux-image-/, "");
    const names = [...new Set([...debian.packages, ...debian.initramfs, debian.boot, kernel])].sort();
    const shown = await ctx.exec
      .run("apt-cache", ["show", "--no-all-versions", ...names])
      .catch((err: unknown) => {
        throw new BasaltError("not_found", `apt-cache show failed: ${(err as Error).message}`, {
          hint: "run apt-get update, and check the package names in the profile",
        });
      });
    const pkgs = parseAptShow(shown);
    mkdirSync(debDir(ctx), { recursive: true });
    let downloaded = 0;
    for (const p of pkgs) {
      const file = join(debDir(ctx), debFileName(p));
      if (!existsSync(file) || (await sha256File(file)) !== p.sha256) {
        rmSync(file, { force: true });
        await ctx.exec.run("apt-get", ["download", "-qq", `${p.name}=${p.version}`], { cwd: debDir(ctx) });
        downloaded++;
        if ((await sha256File(file)) !== p.sha256)
          throw new BasaltError("internal", `${file} does not match the SHA-256 apt expects`);
      }
      ctx.out.debs.set(p.name, file);
      ctx.out.versions[p.name] = p.version;
    }
    const missing = names.filter((n) => !ctx.out.debs.has(n));
    if (missing.length > 0) throw new BasaltError("not_found", `packages not found: ${missing.join(", ")}`);
    return `${pkgs.length} packages (${downloaded} downloaded, ${pkgs.length - downloaded} cached), kernel ${kernel}`;
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
    const { debian } = ctx.profile;
    const kernel = ctx.out.kernelPackage ?? debian.kernel;
    ctx.out.rootTree = join(ctx.workDir, "root");
    ctx.out.initTree = join(ctx.workDir, "initramfs-staging");
    ctx.out.bootTree = join(ctx.workDir, "boot-staging");
    await extractInto(ctx, [...debian.packages, kernel], ctx.out.rootTree);
    await extractInto(ctx, debian.initramfs, ctx.out.initTree);
    await extractInto(ctx, [debian.boot], ctx.out.bootTree);
    return `${debian.packages.length + 1} into the root, ${debian.initramfs.length} into initramfs staging`;
  },
};
