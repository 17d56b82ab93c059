/**
 * Basalt image figures: boot to API-ready under TCG (qemu start → first successful `basaltctl
 * version`, median of N fresh first boots), image sizes (root image, UKI, disk.raw and disk.raw.zst
 * at zstd -19), and build time without and with the image cache.
 * Usage: node bench/boot.ts [--runs 5] [--no-build-time]   (needs npm run build and the host packages)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildImage } from "@basalt/basalt-imager";
import { cachedImage } from "../test/e2e/support/cached-image.ts";
import { freePort, startVm } from "../test/e2e/support/qemu-vm.ts";
import { ctl, makeConfigDrive, makeVmConfig } from "../test/e2e/support/vm-config.ts";
import { median, printTable } from "./stats.ts";

const { values } = parseArgs({ options: { runs: { type: "string" }, "no-build-time": { type: "boolean" } } });
const runs = Number(values.runs ?? 5);
const repo = join(import.meta.dirname, "..");
const work = mkdtempSync(join(tmpdir(), "basalt-bench-"));
const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

const t0 = performance.now();
const { dir: image, built } = await cachedImage(() => {});
const cachedSeconds = (performance.now() - t0) / 1000;

const buildRows: Record<string, string>[] = [];
if (!values["no-build-time"]) {
  // A full build with the download cache warm (debs and the Node tarball are cached after one build).
  const t = performance.now();
  await buildImage({
    profilePath: join(repo, "apps/basalt-imager/profiles/base.yaml"),
    outDir: join(work, "img"),
    repoRoot: repo,
    log: () => {},
  });
  buildRows.push({ BUILD: "full (downloads cached)", SECONDS: ((performance.now() - t) / 1000).toFixed(1) });
}
buildRows.push({
  BUILD: built ? "image cache miss (built)" : "image cache hit",
  SECONDS: cachedSeconds.toFixed(1),
});

const manifest = JSON.parse(readFileSync(join(image, "manifest.json"), "utf8"));
const zst = join(work, "disk.raw.zst");
execFileSync("zstd", ["-q", "-19", "-T2", join(image, "disk.raw"), "-o", zst]);
printTable("image sizes", [
  { ARTIFACT: "root image (erofs + verity)", SIZE: mib(manifest.artifacts.root.sizeBytes) },
  { ARTIFACT: "UKI", SIZE: mib(manifest.artifacts.uki.sizeBytes) },
  { ARTIFACT: "disk.raw (sparse)", SIZE: mib(manifest.artifacts.disk.sizeBytes) },
  { ARTIFACT: "disk.raw.zst (-19)", SIZE: mib(statSync(zst).size) },
  { ARTIFACT: `root tree: ${manifest.rootfs.entries} entries`, SIZE: mib(manifest.rootfs.bytes) },
]);
printTable("build time", buildRows);

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const port = await freePort();
  const cfg = makeVmConfig(join(work, `pki-${i}`), port);
  makeConfigDrive(cfg.machineConfig, join(work, "config.img"));
  execFileSync("cp", ["--sparse=always", join(image, "disk.raw"), join(work, "disk.raw")]);
  const started = performance.now();
  const vm = startVm({
    disk: join(work, "disk.raw"),
    vars: join(work, "vars.fd"),
    configDrive: join(work, "config.img"),
    hostPort: port,
    consoleLog: join(work, `console-${i}.log`),
  });
  try {
    for (;;) {
      try {
        ctl(["version", "-e", `127.0.0.1:${port}`], { BASALTCONFIG: cfg.clientConfig });
        break;
      } catch {
        if (performance.now() - started > 300_000) throw new Error(`boot ${i} did not reach the API`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    times.push((performance.now() - started) / 1000);
  } finally {
    vm.kill();
    await vm.exited;
  }
}
printTable("boot to API-ready under TCG (first boot: formats STATE)", [
  ...times.map((t, i) => ({ RUN: String(i + 1), SECONDS: t.toFixed(1) })),
  { RUN: "median", SECONDS: median(times).toFixed(1) },
]);
rmSync(work, { recursive: true, force: true });
