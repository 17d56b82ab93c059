import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { buildImage, defaultCacheDir } from "@basalt/basalt-imager";

const repo = join(import.meta.dirname, "../../..");

/**
 * The image profiles tests build: `base` (basaltd only; the agent-free boot and upgrade tests use it
 * because it builds and boots faster) and `kubernetes` (base plus containerd, runc, CNI plugins,
 * kubelet, kube-proxy and the pause image).
 */
export type ImageProfile = "base" | "kubernetes";

const profilePath = (p: ImageProfile) => join(repo, "apps/basalt-imager/profiles", `${p}.yaml`);

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * Hash of everything the image is built from on this side: profile, imager source, the bundles; for
 * the kubernetes profile also its base and the pins and recipes of tools/k8s (the component
 * binaries are a function of those, cached by the tool under the same pins).
 */
export function imageInputHash(profile: ImageProfile = "base"): string {
  const h = createHash("sha256");
  const extra =
    profile === "kubernetes"
      ? [
          profilePath("base"),
          ...files(join(repo, "tools/k8s")).filter((f) => !f.endsWith(".test.ts") && !f.endsWith(".md")),
          ...files(join(repo, "packages/oci/src")).filter((f) => !f.endsWith(".test.ts")),
        ]
      : [];
  const inputs = [
    profilePath(profile),
    ...extra,
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
  /** Which profile; default base. */
  profile?: ImageProfile;
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
  const profile = variant.profile ?? "base";
  // A variant without `profile` hashes as before, so base images keep their cache keys.
  const key = createHash("sha256")
    .update(imageInputHash(profile))
    .update(JSON.stringify(variant))
    .digest("hex")
    .slice(0, 16);
  const dir = join(defaultCacheDir(), "images", key);
  const manifest = join(dir, "manifest.json");
  if (existsSync(manifest) && statSync(manifest).size > 0) return { dir, built: false };
  const overrides = { version: variant.version, kernelCmdline: variant.kernelCmdline };
  await buildImage({
    profilePath: profilePath(profile),
    outDir: dir,
    repoRoot: repo,
    log,
    overrides,
    releaseKey: variant.releaseKey,
    bundleOnly: variant.bundleOnly,
  });
  return { dir, built: true };
}
