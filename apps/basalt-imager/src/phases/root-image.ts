import { statSync } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { need, type Phase } from "../build-context.ts";
import { derivedSalt, derivedUuid } from "../ids.ts";

/** Reads the root hash out of `veritysetup format` output. */
export function parseVerityFormat(text: string): { rootHash: string; salt: string; dataBlocks: number } {
  const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, "m").exec(text)?.[1];
  const rootHash = field("Root hash");
  const salt = field("Salt");
  const dataBlocks = Number(field("Data blocks"));
  if (!rootHash || !salt || !Number.isInteger(dataBlocks))
    throw new BasaltError("internal", `unexpected veritysetup output:\n${text}`);
  return { rootHash, salt, dataBlocks };
}

/**
 * The read-only root: erofs (lz4hc, every file owned by root, every timestamp SOURCE_DATE_EPOCH, a
 * fixed UUID) followed in the same file by its dm-verity hash tree (fixed salt and UUID). The
 * initramfs opens it with the root hash the UKI's command line carries.
 */
export const buildRootImage: Phase = {
  name: "root-image",
  async run(ctx) {
    const root = need(ctx.out.rootTree, "root tree");
    const image = join(ctx.outDir, "root.img");
    const { name, version } = ctx.profile;
    await ctx.exec.run("mkfs.erofs", [
      "--quiet",
      "-zlz4hc,12",
      `-T${ctx.sourceDateEpoch}`,
      `-U${derivedUuid(name, version, "erofs")}`,
      "--all-root",
      "-x-1",
      image,
      root,
    ]);
    const dataBytes = statSync(image).size;
    if (dataBytes % 4096 !== 0)
      throw new BasaltError("internal", `erofs image is not 4 KiB aligned (${dataBytes})`);
    const out = await ctx.exec.run("veritysetup", [
      "format",
      image,
      image,
      `--hash-offset=${dataBytes}`,
      `--salt=${derivedSalt(name, version, "verity")}`,
      `--uuid=${derivedUuid(name, version, "verity")}`,
    ]);
    const v = parseVerityFormat(out);
    if (v.dataBlocks * 4096 !== dataBytes)
      throw new BasaltError("internal", `verity data blocks ${v.dataBlocks} do not cover the erofs image`);
    ctx.out.rootImage = image;
    ctx.out.verity = { ...v, hashOffset: dataBytes };
    const total = statSync(image).size;
    return `erofs ${(dataBytes / 1048576).toFixed(1)} MiB + hash tree ${((total - dataBytes) / 1048576).toFixed(1)} MiB, root hash ${v.rootHash.slice(0, 12)}…`;
  },
};
