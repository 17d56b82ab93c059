/**
 * `basaltctl cluster create` to every Node Ready, under TCG (1 control plane + `--workers` workers,
 * fresh VMs each run), from the bundled CLI as a person runs it; the median of N runs. The image is
 * built or reused first and not counted. Each cluster is destroyed before the next run.
 * Usage: node bench/cluster-create.ts [--runs 3] [--workers 2]   (needs npm run build, setup.sh --all; root)
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cachedImage } from "../test/e2e/support/cached-image.ts";
import { median, printTable } from "./stats.ts";

const { values } = parseArgs({ options: { runs: { type: "string" }, workers: { type: "string" } } });
const runs = Number(values.runs ?? 3);
const workers = values.workers ?? "2";
const basaltctl = join(import.meta.dirname, "../dist/basaltctl.mjs");
const work = mkdtempSync(join(tmpdir(), "basalt-bench-cluster-"));
const ctl = (args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [
        basaltctl,
        "--basaltconfig",
        join(work, "basaltconfig"),
        ...args,
        "--state-dir",
        join(work, "clusters"),
      ],
      { encoding: "utf8", timeout: 3_600_000 },
      (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)),
    ),
  );

const image = (await cachedImage(() => {}, { profile: "kubernetes" })).dir;
const rows: Record<string, string>[] = [];
const seconds: number[] = [];
try {
  for (let i = 1; i <= runs; i++) {
    const t = performance.now();
    await ctl(["cluster", "create", "--name", "bench", "--workers", workers, "--image", image]);
    const wall = (performance.now() - t) / 1000;
    const state = JSON.parse(readFileSync(join(work, "clusters/bench/cluster.json"), "utf8"));
    await ctl(["cluster", "destroy", "--name", "bench"]);
    seconds.push(state.readySeconds);
    rows.push({
      run: String(i),
      "all Nodes Ready": `${state.readySeconds.toFixed(0)} s`,
      "create (wall)": `${wall.toFixed(0)} s`,
    });
  }
} finally {
  await ctl(["cluster", "destroy", "--name", "bench"]).catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
printTable(`basaltctl cluster create --workers ${workers} (qemu TCG, 1 vCPU per VM), seconds`, rows);
console.log(
  `median of ${runs}: create to all ${Number(workers) + 1} Nodes Ready in ${median(seconds).toFixed(0)} s`,
);
