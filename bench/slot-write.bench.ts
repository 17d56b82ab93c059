import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { slotBlockDevices } from "../apps/basaltd/src/adapters/linux/slot-block-devices.ts";
import { median, printTable } from "./stats.ts";

/**
 * Write-and-verify throughput of a root image into a slot (a disk image file), against
 * `dd bs=4M conv=fsync` followed by `sha256sum` of the same bytes, in the same run (goal ≥ 0.8).
 */
const sizeMb = Number(process.env.BENCH_ROOT_MB ?? 256);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), "basalt-slotbench-"));
const image = join(dir, "root.img");
const slot = join(dir, "slot.img");
try {
  writeFileSync(image, randomBytes(sizeMb * 1024 * 1024));
  writeFileSync(slot, Buffer.alloc(0));
  const devices = slotBlockDevices({ A: slot, B: slot });
  const ours: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate the order so neither side always gets the warmer page cache.
    for (const which of i % 2 ? ["ours", "dd"] : ["dd", "ours"]) {
      execFileSync("sh", ["-c", "sync; echo 1 > /proc/sys/vm/drop_caches"], { stdio: "ignore" });
      const t = performance.now();
      if (which === "dd") {
        execFileSync("dd", [`if=${image}`, `of=${slot}`, "bs=4M", "conv=fsync"], { stdio: "ignore" });
        execFileSync("sha256sum", [slot], { stdio: "ignore" });
        baseline.push(performance.now() - t);
      } else {
        await devices.write("A", createReadStream(image, { highWaterMark: 1024 * 1024 }), () => {});
        ours.push(performance.now() - t);
      }
    }
  }
  const mbps = (ms: number) => (sizeMb / (ms / 1000)).toFixed(0);
  printTable(`slot write + verify, ${sizeMb} MiB, median of ${runs} (goal: ratio ≥ 0.8)`, [
    {
      what: "dd bs=4M conv=fsync; sha256sum (baseline)",
      "median ms": median(baseline).toFixed(0),
      "MiB/s": mbps(median(baseline)),
      ratio: "1.00",
    },
    {
      what: "basaltd slot writer (hash while writing, fsync)",
      "median ms": median(ours).toFixed(0),
      "MiB/s": mbps(median(ours)),
      ratio: (median(baseline) / median(ours)).toFixed(2),
    },
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
