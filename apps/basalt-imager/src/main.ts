#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BasaltError, toBasaltError } from "@basalt/machinery";
import { buildImage } from "./build.ts";

const usage =
  "usage: basalt-imager build --profile profiles/base.yaml --out DIR [--release-key release.key] [--version X.Y.Z] [--cache DIR] [--keep-work]";

/** The imager CLI: one verb for now, `build`. */
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
