import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { buildImage, defaultCacheDir } from "@basalt/basalt-imager";

const repo = join(import.meta.dirname, "../../..");
const profile = join(repo, "apps/basalt-imager/profiles/base.yaml");

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Hash of everything the image is built from on this side: profile, imager source, the bundles. */
export function imageInputHash(): string {
  const h = createHash("sha256");
  const inputs = [
    profile,
    ...files(join(repo, "apps/basalt-imager/src")),
    join(repo, "dist/basaltd.mjs"),
    ...files(join(repo, "dist/chunks")).filter((f) => f.endsWith(".mjs")),
    join(repo, "node_modules/koffi/package.json"),
  ];
  for (const f of inputs) h.update(relative(repo, f)).update("\0").update(readFileSync(f));
  return h.digest("hex").slice(0, 16);
}

export interface ImageVariant {
  version?: string;
  kernelCmdline?: string[];
  /** PEM private key: the build also writes a signed update bundle. */
  releaseKey?: string;
  /** No disk.raw: the version is only ever installed as an upgrade. */
  bundleOnly?: boolean;
}

/**
 * The image for the current inputs (and variant: another version, a fault switch on the command
 * line, a signed bundle): built once into the cache, reused while the inputs are unchanged.
 */
export async function cachedImage(
  log: (line: string) => void,
  variant: ImageVariant = {},
): Promise<{ dir: string; built: boolean }> {
  if (!existsSync(join(repo, "dist/basaltd.mjs")) || !existsSync(join(repo, "dist/basaltctl.mjs")))
    throw new Error("dist/basaltd.mjs or dist/basaltctl.mjs missing: run npm run build first");
  const key = createHash("sha256")
    .update(imageInputHash())
    .update(JSON.stringify(variant))
    .digest("hex")
    .slice(0, 16);
  const dir = join(defaultCacheDir(), "images", key);
  const manifest = join(dir, "manifest.json");
  if (existsSync(manifest) && statSync(manifest).size > 0) return { dir, built: false };
  const overrides = { version: variant.version, kernelCmdline: variant.kernelCmdline };
  await buildImage({
    profilePath: profile,
    outDir: dir,
    repoRoot: repo,
    log,
    overrides,
    releaseKey: variant.releaseKey,
    bundleOnly: variant.bundleOnly,
  });
  return { dir, built: true };
}
