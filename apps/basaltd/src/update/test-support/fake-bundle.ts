import { createHash } from "node:crypto";
import { type BundleManifest, generateReleaseKey, signManifest, writeBundle } from "@basalt/machinery";
import { fakeUki } from "./fake-uki.ts";

/** Update bundles for the upgrade engine's tests: small, deterministic per version, signed. */

export const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** The key the bundles are signed with unless a test names another signer. */
export const testReleaseKey = generateReleaseKey();

export function rootImage(version: string, size = 1_500_000): Uint8Array {
  const seed = sha(Buffer.from(version));
  return Uint8Array.from({ length: size }, (_, i) => seed.charCodeAt(i % 64) ^ (i & 0xff));
}

/** A UKI for `slot` that pins the root image's hash, as the real one pins the verity root hash. */
export function uki(version: string, slot: "A" | "B", root: Uint8Array) {
  return fakeUki(`console=ttyS0 basalt.slot=${slot} basalt.version=${version} roothash=${sha(root)}`, 20_000);
}

export async function bundleOf(
  version: string,
  opts: {
    arch?: "x86_64" | "aarch64";
    signer?: string;
    tamper?: "root" | "uki" | "signature";
    truncate?: number;
    minUpgradeFrom?: string;
    securityFloor?: string;
  } = {},
) {
  const root = rootImage(version);
  const ukis = { A: uki(version, "A", root), B: uki(version, "B", root) };
  const manifest: BundleManifest = {
    format: "basalt-bundle/v1",
    version,
    arch: opts.arch ?? "x86_64",
    minUpgradeFrom: opts.minUpgradeFrom ?? "0.1.0",
    ...(opts.securityFloor ? { securityFloor: opts.securityFloor } : {}),
    uki: {
      A: { file: "uki-a.efi", size: ukis.A.length, sha256: sha(ukis.A) },
      B: { file: "uki-b.efi", size: ukis.B.length, sha256: sha(ukis.B) },
    },
    root: { file: "root.img", size: root.length, sha256: sha(root), verityRootHash: sha(root) },
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const signature = Uint8Array.from(signManifest(manifestBytes, opts.signer ?? testReleaseKey.privateKey));
  if (opts.tamper === "signature") signature[5]! ^= 1;
  if (opts.tamper === "root") root[1000]! ^= 1;
  if (opts.tamper === "uki") ukis.B[9000]! ^= 1;
  const chunks: Uint8Array[] = [];
  for await (const c of writeBundle({
    manifest: manifestBytes,
    signature,
    components: [
      {
        name: "uki-a.efi",
        size: ukis.A.length,
        body: async function* () {
          yield ukis.A;
        },
      },
      {
        name: "uki-b.efi",
        size: ukis.B.length,
        body: async function* () {
          yield ukis.B;
        },
      },
      {
        name: "root.img",
        size: root.length,
        body: async function* () {
          for (let i = 0; i < root.length; i += 65536) yield root.subarray(i, i + 65536);
        },
      },
    ],
  }))
    chunks.push(c);
  const all = Buffer.concat(chunks);
  return opts.truncate ? all.subarray(0, opts.truncate) : all;
}

export async function* stream(b: Uint8Array) {
  for (let i = 0; i < b.length; i += 100_000) yield b.subarray(i, i + 100_000);
}
