#!/usr/bin/env node
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BasaltError, toBasaltError } from "@basalt/machinery";
import { buildImage } from "./build.ts";
import { lockPathFor, renderLock } from "./debian-lock.ts";
import { hostExecutor } from "./exec.ts";
import { loadProfile } from "./profile.ts";
import { resolveLock } from "./resolve-lock.ts";

const usage =
  "usage: basalt-imager build --profile profiles/base.yaml --out DIR [--release-key release.key] [--version X.Y.Z] [--cache DIR] [--keep-work]\n" +
  "       basalt-imager lock --profile profiles/base.yaml   (resolve the Debian packages with apt, write profiles/base.lock.yaml)";

/** The imager CLI: `build` an image from a profile and its lock, `lock` a profile's Debian packages. */
async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      profile: { type: "string" },
      out: { type: "string" },
      cache: { type: "string" },
      "keep-work": { type: "boolean" },
      "release-key": { type: "string" },
      version: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return void console.log(usage);
  if (positionals[0] === "lock" && values.profile) {
    const profilePath = resolve(values.profile);
    const profile = loadProfile(profilePath, (p) => readFileSync(p, "utf8"));
    const lock = await resolveLock(
      profile,
      hostExecutor({ PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" }),
    );
    writeFileSync(lockPathFor(profilePath), renderLock(lock));
    console.log(
      `${lockPathFor(profilePath)}: ${lock.root.length} root, ${lock.initramfs.length} initramfs packages, kernel ${lock.kernel.name} ${lock.kernel.version}`,
    );
    return;
  }
  if (positionals[0] !== "build" || !values.profile || !values.out)
    throw new BasaltError("invalid_argument", "expected: build --profile FILE --out DIR", { hint: usage });
  const started = performance.now();
  const { manifestPath } = await buildImage({
    profilePath: values.profile,
    outDir: values.out,
    repoRoot: fileURLToPath(new URL("../../..", import.meta.url)),
    ...(values.cache ? { cacheDir: values.cache } : {}),
    keepWork: values["keep-work"] === true,
    ...(values["release-key"] ? { releaseKey: readFileSync(values["release-key"], "utf8") } : {}),
    ...(values.version ? { overrides: { version: values.version } } : {}),
  });
  console.log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${manifestPath}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = toBasaltError(err);
  console.error(`basalt-imager: ${e.describe()}`);
  process.exit(e.code === "invalid_argument" ? 2 : 1);
});
