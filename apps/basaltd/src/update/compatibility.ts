import { type BundleManifest, compareVersions } from "@basalt/machinery";

export interface Installed {
  version: string;
  arch: string;
}

export type Compatibility = { ok: true; reason: string } | { ok: false; reason: string; hint: string };

/**
 * Whether this node may install the bundle: right architecture, new enough source, no silent
 * downgrade, and never below the node's security floor (the highest floor of the bundles it
 * installed), whatever `force` says.
 */
export function checkCompatibility(
  manifest: BundleManifest,
  installed: Installed,
  force: boolean,
  securityFloor = "0.0.0",
): Compatibility {
  if (manifest.arch !== installed.arch) {
    return {
      ok: false,
      reason: `the bundle is for ${manifest.arch}, this node is ${installed.arch}`,
      hint: "use the bundle built for this architecture",
    };
  }
  if (compareVersions(installed.version, manifest.minUpgradeFrom) < 0) {
    return {
      ok: false,
      reason: `${manifest.version} upgrades only from ${manifest.minUpgradeFrom} or newer; this node runs ${installed.version}`,
      hint: `upgrade to ${manifest.minUpgradeFrom} first`,
    };
  }
  if (compareVersions(manifest.version, securityFloor) < 0) {
    return {
      ok: false,
      reason: `${manifest.version} is below this node's security floor ${securityFloor}: a bundle it installed forbids going back that far`,
      hint: `install ${securityFloor} or newer; --force cannot go below the floor`,
    };
  }
  const order = compareVersions(manifest.version, installed.version);
  if (order < 0 && !force) {
    return {
      ok: false,
      reason: `${manifest.version} is older than the running ${installed.version}: a downgrade`,
      hint: "pass --force to downgrade on purpose",
    };
  }
  if (order === 0) {
    // Both slots would hold entries of one name (basalt-<version>.efi): blessing one would replace the other.
    return {
      ok: false,
      reason: `${manifest.version} is already running`,
      hint: "nothing to do; to repair a node, install another version",
    };
  }
  return {
    ok: true,
    reason:
      order < 0
        ? `forced downgrade ${installed.version} → ${manifest.version}`
        : `upgrade ${installed.version} → ${manifest.version}`,
  };
}
