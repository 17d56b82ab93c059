import { createHash } from "node:crypto";
import { createReadStream, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Artifact, BuildContext, Phase } from "../build-context.ts";
import { need } from "../build-context.ts";
import { planDisk } from "../disk-layout.ts";

async function artifact(path: string): Promise<Artifact> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return { file: basename(path), sizeBytes: statSync(path).size, sha256: h.digest("hex") };
}

/** The manifest's content: only build inputs and outputs, no times, so it is reproducible too. */
export function manifestOf(ctx: BuildContext) {
  const { profile, out } = ctx;
  return {
    name: profile.name,
    version: profile.version,
    arch: "x86_64",
    sourceDateEpoch: ctx.sourceDateEpoch,
    kernel: { package: out.kernelPackage, release: out.kernelRelease },
    node: { package: profile.node.package, version: profile.node.version },
    packages: out.versions,
    cmdline: out.cmdline,
    verity: out.verity,
    ...(out.components
      ? { components: Object.fromEntries(Object.entries(out.components).map(([k, v]) => [k, v.from])) }
      : {}),
    ...(out.kernelModules ? { kernelModules: out.kernelModules } : {}),
    rootfs: { entries: out.rootFiles, bytes: out.rootTreeBytes, fileList: "rootfs.files" },
    partitions: planDisk(profile.disk).partitions,
    artifacts: out.artifacts,
  };
}

/** Hashes the UKI, the root image and the disk, and writes manifest.json next to them. */
export const writeManifest: Phase = {
  name: "manifest",
  async run(ctx) {
    ctx.out.artifacts = {
      uki: await artifact(need(ctx.out.uki, "UKI")),
      root: await artifact(need(ctx.out.rootImage, "root image")),
      ...(ctx.out.disk ? { disk: await artifact(ctx.out.disk) } : {}),
      ...(ctx.out.bundle ? { bundle: await artifact(ctx.out.bundle) } : {}),
    };
    writeFileSync(join(ctx.outDir, "manifest.json"), `${JSON.stringify(manifestOf(ctx), null, 2)}\n`);
    const main = ctx.out.artifacts.disk ?? ctx.out.artifacts.bundle ?? ctx.out.artifacts.root!;
    return `${main.file} sha256 ${main.sha256.slice(0, 16)}…`;
  },
};
