import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

/**
 * A stranger's disk for the boot-disk tests: GPT with partitions NAMED like Basalt's (STATE, ROOT-B)
 * but with random GUIDs; its STATE is an ext4 holding someone else's machine config where basaltd
 * keeps its own, and its ROOT-B is filled with a marker. A node must ignore both.
 */
export function makeForeignDisk(path: string, foreignMachineConfig: string): void {
  const mib = 1024 * 1024;
  rmSync(path, { force: true });
  execFileSync("truncate", ["-s", `${200 * mib}`, path]);
  execFileSync(
    "sgdisk",
    ["-o", "-n1:2048:+64M", "-t1:8310", "-c1:STATE", "-n2:0:+64M", "-t2:8304", "-c2:ROOT-B", path],
    {
      stdio: "ignore",
    },
  );
  const staging = `${path}.d`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(`${staging}/lib/basalt`, { recursive: true });
  writeFileSync(`${staging}/lib/basalt/machine-config.yaml`, readFileSync(foreignMachineConfig), {
    mode: 0o600,
  });
  const fs = `${path}.state`;
  rmSync(fs, { force: true });
  execFileSync("mkfs.ext4", ["-q", "-L", "STATE", "-d", staging, fs, "64M"]);
  execFileSync("dd", [`if=${fs}`, `of=${path}`, "bs=1M", `seek=1`, "conv=notrunc,sparse", "status=none"]);
  // ROOT-B starts right after STATE (sector 2048 + 64 MiB): a recognisable, non-zero marker.
  writeFileSync(`${path}.marker`, Buffer.alloc(mib, "not-yours "));
  execFileSync("dd", [
    `if=${path}.marker`,
    `of=${path}`,
    "bs=1M",
    `seek=${1 + 64}`,
    "conv=notrunc",
    "status=none",
  ]);
  rmSync(staging, { recursive: true, force: true });
  rmSync(fs, { force: true });
  rmSync(`${path}.marker`, { force: true });
}

/** SHA-256 of a whole file, to prove a disk was never written. */
export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
