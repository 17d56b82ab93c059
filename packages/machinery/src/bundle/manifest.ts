import { z } from "zod";
import { parseWith } from "../config/issues.ts";
import { BasaltError } from "../errors.ts";
import { compareVersions } from "../semver.ts";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { message: "expected a lowercase hex SHA-256" });
const version = z
  .string()
  .regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { message: "expected a version like 1.2.3" });

const component = z.strictObject({
  /** Name of the entry inside the bundle. */
  file: z.string().regex(/^[a-z0-9.-]+$/),
  size: z.number().int().nonnegative(),
  sha256,
});

/**
 * What an update bundle holds and what it promises. The manifest is signed; every other byte of the
 * bundle is trusted only through the sizes and hashes written here.
 */
export const bundleManifestSchema = z.strictObject({
  format: z.literal("basalt-bundle/v1"),
  version,
  arch: z.enum(["x86_64", "aarch64"]),
  /** The oldest installed version that may upgrade to this one. */
  minUpgradeFrom: version,
  /**
   * The security floor: no node that installed this bundle may ever go below this version again,
   * not even with --force (anti-rollback to versions with known holes). At most `version`.
   */
  securityFloor: version.optional(),
  /** One UKI per root slot: each pins its own slot's partition and the verity root hash. */
  uki: z.strictObject({ A: component, B: component }),
  root: component.extend({ verityRootHash: z.string().regex(/^[0-9a-f]{64}$/) }),
});

export type BundleManifest = z.infer<typeof bundleManifestSchema>;
export type BundleComponent = z.infer<typeof component>;

/** The fixed entry order of a bundle: the small signed parts first, the root image last. */
export const bundleEntries = {
  manifest: "manifest.json",
  signature: "manifest.sig",
} as const;

export function parseBundleManifest(bytes: Uint8Array): BundleManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BasaltError("invalid_argument", "the bundle manifest is not JSON");
  }
  const manifest = parseWith(bundleManifestSchema, doc, "bundle manifest");
  if (manifest.securityFloor && compareVersions(manifest.securityFloor, manifest.version) > 0)
    throw new BasaltError(
      "invalid_argument",
      `invalid bundle manifest: securityFloor ${manifest.securityFloor} is newer than the version ${manifest.version}`,
    );
  return manifest;
}
