import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type BundleManifest, signManifest, writeBundle } from "@basalt/machinery";
import { type BuildContext, need, type Phase } from "../build-context.ts";

async function sha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

const component = async (path: string, file: string) => ({
  file,
  size: statSync(path).size,
  sha256: await sha256(path),
});

/**
 * The update bundle next to disk.raw: signed manifest (version, arch, sizes and hashes, verity root
 * hash, oldest version it upgrades from) + both slots' UKIs + the root image, as one tar a static
 * HTTP server can serve. Ed25519 signatures are deterministic, so the bundle is reproducible too.
 */
export const writeUpdateBundle: Phase = {
  name: "bundle",
  async run(ctx: BuildContext) {
    if (!ctx.releaseKey) return "skipped: no --release-key";
    const ukiA = need(ctx.out.uki, "UKI");
    const ukiB = need(ctx.out.ukiB, "slot B UKI");
    const root = need(ctx.out.rootImage, "root image");
    const verity = need(ctx.out.verity, "verity parameters");
    const manifest: BundleManifest = {
      format: "basalt-bundle/v1",
      version: ctx.profile.version,
      arch: "x86_64",
      minUpgradeFrom: ctx.profile.update.minUpgradeFrom,
      ...(ctx.profile.update.securityFloor ? { securityFloor: ctx.profile.update.securityFloor } : {}),
      uki: { A: await component(ukiA, "uki-a.efi"), B: await component(ukiB, "uki-b.efi") },
      root: { ...(await component(root, "root.img")), verityRootHash: verity.rootHash },
    };
    const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
    const signature = signManifest(manifestBytes, ctx.releaseKey);
    const file = (path: string) => () =>
      createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>;
    const out = join(ctx.outDir, `${ctx.profile.name}-${ctx.profile.version}.bundle`);
    await pipeline(
      Readable.from(
        writeBundle({
          manifest: manifestBytes,
          signature,
          components: [
            { name: "uki-a.efi", size: manifest.uki.A.size, body: file(ukiA) },
            { name: "uki-b.efi", size: manifest.uki.B.size, body: file(ukiB) },
            { name: "root.img", size: manifest.root.size, body: file(root) },
          ],
        }),
      ),
      createWriteStream(out),
    );
    ctx.out.bundle = out;
    return `${basename(out)} ${(statSync(out).size / 1048576).toFixed(1)} MiB, upgrades from ${manifest.minUpgradeFrom}`;
  },
};
