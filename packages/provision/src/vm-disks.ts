import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "./run-command.ts";

/**
 * A qcow2 overlay whose backing file is the image's disk.raw: every VM writes only its own overlay,
 * so several VMs share one read-only base image and start without copying 3.5 GiB each.
 */
export async function createOverlay(baseRaw: string, overlay: string): Promise<void> {
  await rm(overlay, { force: true });
  await runCommand(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", baseRaw, overlay]);
}

/** A small ext4 disk labelled BASALT-CONFIG holding config.yaml: the node's first-boot config drive. */
export async function createConfigDrive(configYaml: string, image: string): Promise<void> {
  const staging = `${image}.d`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    await writeFile(join(staging, "config.yaml"), configYaml, { mode: 0o600 });
    await rm(image, { force: true });
    await runCommand(["mkfs.ext4", "-q", "-L", "BASALT-CONFIG", "-d", staging, image, "8M"]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
