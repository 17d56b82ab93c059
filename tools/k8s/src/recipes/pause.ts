import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { ociImageArchive } from "@basalt/oci";
import { pauseArchiveName, pauseImageName } from "../components.ts";
import { download, expectVersion, type Recipe } from "../go-build.ts";
import { runCommand, type StepTiming, timedStep } from "../run.ts";

export const pause: Recipe = async (ctx, stage, work) => {
  const { pause: v, kubernetes } = ctx.versions;
  ctx.log(`building pause ${v} from k8s.io/kubernetes@${kubernetes} build/pause…`);
  const k8s = await download(`k8s.io/kubernetes@${kubernetes}`, work);
  const tag = /^TAG \?= (\S+)$/m.exec(readFileSync(join(k8s.Dir, "build/pause/Makefile"), "utf8"))?.[1];
  if (tag !== v)
    throw new BasaltError(
      "failed_precondition",
      `k8s.io/kubernetes@${kubernetes} builds pause ${tag}, versions.env pins ${v}`,
      {
        hint: "set PAUSE_VERSION to the TAG in build/pause/Makefile",
      },
    );
  const timings: StepTiming[] = [];
  const out = join(stage, "pause");
  // Upstream's CFLAGS (-Os -Wall -Werror -static), with the version the release stamps.
  await timedStep(
    "pause (gcc -static)",
    "gcc",
    [
      "-Os",
      "-Wall",
      "-Werror",
      "-static",
      `-DVERSION=v${v}-${kubernetes}`,
      "-o",
      out,
      join(k8s.Dir, "build/pause/linux/pause.c"),
    ],
    { cwd: work, timings, log: ctx.log },
  ).catch((err: unknown) => {
    throw new BasaltError("failed_precondition", `cannot compile pause: ${(err as Error).message}`, {
      hint: "apt-get install gcc libc6-dev",
    });
  });
  await runCommand("strip", ["--strip-all", out]);
  await expectVersion(out, ["-v"], `pause.c v${v}`);
  const { archive, manifestDigest } = ociImageArchive({
    name: pauseImageName(v),
    files: [{ path: "pause", mode: 0o755, bytes: readFileSync(out) }],
    entrypoint: ["/pause"],
    user: "65535:65535",
  });
  writeFileSync(join(stage, pauseArchiveName(v)), archive);
  ctx.log(`  ${pauseArchiveName(v)}: ${archive.length} bytes, manifest ${manifestDigest}`);
  return timings;
};
