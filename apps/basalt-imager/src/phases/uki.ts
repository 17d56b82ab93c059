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
    `basalt.version=${ctx.profile.version}`,
    `basalt.root=PARTUUID=${partuuid}`,
    `basalt.verity.hash=${v.rootHash}`,
    `basalt.verity.salt=${v.salt}`,
    `basalt.verity.blocks=${v.dataBlocks}`,
  ].join(" ");
}

/** Writes the UKI that boots `slot`: kernel + initramfs + that slot's command line + os-release. */
async function buildSlotUki(ctx: BuildContext, slot: "A" | "B"): Promise<string> {
  const stub = join(need(ctx.out.bootTree, "boot tree"), stubPath);
  const kernel = need(ctx.out.kernelImage, "kernel image");
  const initrd = need(ctx.out.initramfs, "initramfs");
  const osrel = join(ctx.workDir, "uki.osrel");
  const cmdline = join(ctx.workDir, `uki-${slot}.cmdline`);
  writeFileSync(osrel, renderOsRelease(ctx.profile.name, ctx.profile.version));
  const text = kernelCmdline(ctx, slot);
  if (slot === "A") ctx.out.cmdline = text;
  writeFileSync(cmdline, text);
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
  const suffix = slot === "A" ? "" : "-b";
  const uki = join(ctx.outDir, `${ctx.profile.name}-${ctx.profile.version}${suffix}.efi`);
  await ctx.exec.run("objcopy", [...args, stub, uki]);
  const bytes = readFileSync(uki);
  setPeTimestamp(bytes, ctx.sourceDateEpoch);
  writeFileSync(uki, bytes);
  if (!bytes.includes(Buffer.from(`IMAGE_VERSION=${ctx.profile.version}`)))
    throw new BasaltError("internal", "the UKI does not carry its .osrel");
  return uki;
}

/**
 * One UKI per root slot. The disk boots slot A's; an update bundle carries both, and a node installs
 * the one for its inactive slot.
 */
export const buildUki: Phase = {
  name: "uki",
  async run(ctx) {
    ctx.out.uki = await buildSlotUki(ctx, "A");
    ctx.out.ukiB = await buildSlotUki(ctx, "B");
    const initrd = need(ctx.out.initramfs, "initramfs");
    return `2 × ${(statSync(ctx.out.uki).size / 1048576).toFixed(1)} MiB (initramfs ${(statSync(initrd).size / 1048576).toFixed(1)} MiB)`;
  },
};
