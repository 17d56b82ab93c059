import {
  closeSync,
  copyFileSync,
  createReadStream,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { type BuildContext, need, type Phase } from "../build-context.ts";
import { planDisk, sgdiskArgs } from "../disk-layout.ts";
import { partitionGuids } from "../ids.ts";

/** Writes `src` into `disk` at byte `offset`, leaving the rest of the disk as it is. */
async function writeAt(disk: string, src: string, offset: number): Promise<void> {
  const fd = openSync(disk, "r+");
  try {
    let pos = offset;
    for await (const chunk of createReadStream(src, { highWaterMark: 1 << 20 })) {
      writeSync(fd, chunk as Buffer, 0, (chunk as Buffer).length, pos);
      pos += (chunk as Buffer).length;
    }
  } finally {
    closeSync(fd);
  }
}

/** Copies a file into the work dir with its time set to SOURCE_DATE_EPOCH (mcopy -m keeps it). */
function stamped(ctx: BuildContext, src: string, name: string): string {
  const dst = join(ctx.workDir, name);
  copyFileSync(src, dst);
  utimesSync(dst, ctx.sourceDateEpoch, ctx.sourceDateEpoch);
  return dst;
}

/**
 * disk.raw: GPT with ESP (systemd-boot as the default loader, the UKI in EFI/Linux), ROOT-A holding
 * the verity root, ROOT-B empty, STATE blank (basaltd formats it on first boot).
 */
export const buildDisk: Phase = {
  name: "disk",
  async run(ctx) {
    const { partitions, totalBytes } = planDisk(ctx.profile.disk);
    const root = need(ctx.out.rootImage, "root image");
    const uki = need(ctx.out.uki, "UKI");
    const esp = partitions.find((p) => p.name === "ESP")!;
    const rootA = partitions.find((p) => p.name === "ROOT-A")!;
    const rootSectors = rootA.lastSector - rootA.firstSector + 1;
    if (statSync(root).size > rootSectors * 512)
      throw new BasaltError(
        "failed_precondition",
        `root image does not fit ROOT-A (${ctx.profile.disk.rootMiB} MiB)`,
        {
          hint: "raise disk.rootMiB in the profile",
        },
      );

    const espImg = join(ctx.workDir, "esp.img");
    rmSync(espImg, { force: true });
    writeFileSync(espImg, "");
    truncateSync(espImg, (esp.lastSector - esp.firstSector + 1) * 512);
    const volumeId = partitionGuids.esp.replace(/-/g, "").slice(0, 8);
    await ctx.exec.run("mkfs.vfat", ["-F", "32", "-n", "ESP", "-i", volumeId, "--invariant", espImg]);
    const mtools = { env: { MTOOLS_SKIP_CHECK: "1" } };
    await ctx.exec.run("mmd", ["-i", espImg, "::/EFI", "::/EFI/BOOT", "::/EFI/Linux", "::/loader"], mtools);
    const loaderConf = join(ctx.workDir, "loader.conf");
    writeFileSync(loaderConf, "timeout 0\neditor no\nauto-entries no\nauto-firmware no\n");
    utimesSync(loaderConf, ctx.sourceDateEpoch, ctx.sourceDateEpoch);
    const sdboot = join(need(ctx.out.bootTree, "boot tree"), "usr/lib/systemd/boot/efi/systemd-bootx64.efi");
    const copies: [string, string][] = [
      [stamped(ctx, sdboot, "BOOTX64.EFI"), "::/EFI/BOOT/BOOTX64.EFI"],
      [loaderConf, "::/loader/loader.conf"],
      [stamped(ctx, uki, "uki.efi"), `::/EFI/Linux/basalt-${ctx.profile.version}.efi`],
    ];
    for (const [src, dst] of copies) await ctx.exec.run("mcopy", ["-m", "-i", espImg, src, dst], mtools);

    const disk = join(ctx.outDir, "disk.raw");
    rmSync(disk, { force: true });
    writeFileSync(disk, "");
    truncateSync(disk, totalBytes);
    await ctx.exec.run("sgdisk", [...sgdiskArgs(partitions, partitionGuids.disk), disk]);
    await writeAt(disk, espImg, esp.firstSector * 512);
    await writeAt(disk, root, rootA.firstSector * 512);
    ctx.out.disk = disk;
    return `${(totalBytes / 1048576).toFixed(0)} MiB: ${partitions.map((p) => `${p.name} ${((p.lastSector - p.firstSector + 1) / 2048).toFixed(0)}M`).join(", ")}`;
  },
};
