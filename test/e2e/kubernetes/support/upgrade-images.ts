import { join } from "node:path";
import { cachedImage } from "../../support/cached-image.ts";
import { e2eReleaseKey } from "../../support/release-key.ts";

/**
 * Signed update bundles of the `kubernetes` image for a rolling upgrade: a good new version, and a
 * bad one whose health is forced to fail (`basalt.health=fail` on its pinned command line), so a
 * node that boots it falls back to the version it came from by itself. Built once into the cache.
 */
export async function kubernetesUpgradeBundles(
  log: (line: string) => void,
  versions: { good: string; bad: string },
): Promise<{ good: string; bad: string; publicKey: string }> {
  const key = e2eReleaseKey();
  const good = await cachedImage(log, {
    profile: "kubernetes",
    version: versions.good,
    releaseKey: key.privateKey,
    bundleOnly: true,
  });
  const bad = await cachedImage(log, {
    profile: "kubernetes",
    version: versions.bad,
    kernelCmdline: ["basalt.health=fail"],
    releaseKey: key.privateKey,
    bundleOnly: true,
  });
  return {
    good: join(good.dir, `basalt-${versions.good}.bundle`),
    bad: join(bad.dir, `basalt-${versions.bad}.bundle`),
    publicKey: key.publicKey,
  };
}
