import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { type BuildContext, need, type Phase } from "../build-context.ts";
import { partitionGuids } from "../ids.ts";
import { layoutUki, parseSections, renderOsRelease, setPeTimestamp } from "../uki-layout.ts";

export const stubPath = "usr/lib/systemd/boot/efi/linuxx64.efi.stub";

/** The command line a UKI pins: its slot, that slot's partition and the root's verity parameters. */
export function kernelCmdline(ctx: BuildContext, slot: "A" | "B"): string {
  const v = need(ctx.out.verity, "verity parameters");
  const partuuid = slot === "A" ? partitionGuids.rootA : partitionGuids.rootB;
  return [
    ...ctx.profile.kernelCmdline,
    `basalt.slot=${slot}`,
    `basalt.root=PARTUUID=${partuuid}`,
    `basalt.verity.hash=${v.rootHash}`,
    `basalt.verity.salt=${v.salt}`,
    `basalt.verity.blocks=${v.dataBlocks}`,
  ].join(" ");
}

/** Unified kernel image for slot A: kernel + initramfs + command line + os-release on systemd's stub. */
export const buildUki: Phase = {
  name: "uki",
  async run(ctx) {
    const stub = join(need(ctx.out.bootTree, "boot tree"), stubPath);
    const kernel = need(ctx.out.kernelImage, "kernel image");
    const initrd = need(ctx.out.initramfs, "initramfs");
    const osrel = join(ctx.workDir, "uki.osrel");
    const cmdline = join(ctx.workDir, "uki.cmdline");
    writeFileSync(osrel, renderOsRelease(ctx.profile.name, ctx.profile.version));
    ctx.out.cmdline = kernelCmdline(ctx, "A");
    writeFileSync(cmdline, ctx.out.cmdline);
    const vma = layoutUki(parseSections(await ctx.exec.run("objdump", ["-h", stub])), {
      osrel: statSync(osrel).size,
      cmdline: statSync(cmdline).size,
      linux: statSync(kernel).size,
      initrd: statSync(initrd).size,
    });
    const files = { ".osrel": osrel, ".cmdline": cmdline, ".linux": kernel, ".initrd": initrd };
    const args: string[] = [];
    for (const [section, file] of Object.entries(files)) {
      args.push("--add-section", `${section}=${file}`);
      args.push("--change-section-vma", `${section}=0x${vma[section as keyof typeof vma].toString(16)}`);
    }
    const uki = join(ctx.outDir, `${ctx.profile.name}-${ctx.profile.version}.efi`);
    await ctx.exec.run("objcopy", [...args, stub, uki]);
    const bytes = readFileSync(uki);
    setPeTimestamp(bytes, ctx.sourceDateEpoch);
    writeFileSync(uki, bytes);
    if (!bytes.includes(Buffer.from(`IMAGE_VERSION=${ctx.profile.version}`)))
      throw new BasaltError("internal", "the UKI does not carry its .osrel");
    ctx.out.uki = uki;
    return `${(statSync(uki).size / 1048576).toFixed(1)} MiB (initramfs ${(statSync(initrd).size / 1048576).toFixed(1)} MiB)`;
  },
};
