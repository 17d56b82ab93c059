import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultCacheDir } from "@basalt/basalt-imager";
import { generateReleaseKey } from "@basalt/machinery";

/**
 * The release key the e2e tests sign bundles with, made once and kept in the cache: a cached bundle
 * stays valid for every later run only if it is signed by the key the nodes are told to trust.
 */
export function e2eReleaseKey(): { privateKey: string; publicKey: string } {
  const dir = join(defaultCacheDir(), "e2e");
  mkdirSync(dir, { recursive: true });
  const priv = join(dir, "release.key");
  if (!existsSync(priv)) {
    const k = generateReleaseKey();
    writeFileSync(priv, k.privateKey, { mode: 0o600 });
    writeFileSync(join(dir, "release.pub"), k.publicKey);
  }
  return {
    privateKey: readFileSync(priv, "utf8"),
    publicKey: readFileSync(join(dir, "release.pub"), "utf8"),
  };
}
