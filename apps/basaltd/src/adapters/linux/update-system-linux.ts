import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BasaltError, basaltVersion } from "@basalt/machinery";
import { type BootDiskPartitions, bootPartition } from "../../init/boot-disk.ts";
import type { Slot } from "../../update/boot-entries.ts";
import type { UpdateSystem } from "../../update/update-system.ts";
import { fileStateStore } from "../../update/upgrade-state.ts";
import { espDirectory } from "./esp-dir.ts";
import { slotBlockDevices } from "./slot-block-devices.ts";

/** systemd-boot's vendor GUID for its EFI variables (Boot Loader Interface). */
export const loaderGuid = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

/** An EFI variable's value as a string: 4 attribute bytes, then UTF-16LE ending in NUL. */
export function decodeEfiString(raw: Buffer): string {
  return raw.subarray(4).toString("utf16le").replace(/\0.*$/s, "");
}

/**
 * The update system of a booted Basalt node: the ESP mounted by init, the ROOT-A/ROOT-B partitions,
 * what booted (from the kernel command line the UKI pinned), and state on STATE.
 */
export function linuxUpdateSystem(options: {
  cmdline: string;
  /** The Basalt partitions of the disk this node booted from (`findBootDisk`). */
  partitions: BootDiskPartitions;
  espMount: string;
}): UpdateSystem {
  const slot = /(?:^|\s)basalt\.slot=([AB])(?:\s|$)/.exec(options.cmdline)?.[1] as Slot | undefined;
  if (!slot) throw new BasaltError("failed_precondition", "the kernel command line names no basalt.slot");
  const version = /(?:^|\s)basalt\.version=(\S+)/.exec(options.cmdline)?.[1] ?? basaltVersion;
  return {
    esp: espDirectory(join(options.espMount, "EFI", "Linux")),
    slots: slotBlockDevices({
      A: bootPartition(options.partitions, "ROOT-A"),
      B: bootPartition(options.partitions, "ROOT-B"),
    }),
    booted: { slot, version, arch: "x86_64" },
    state: fileStateStore("/var/lib/basalt/upgrade-state.json"),
    async bootCountPath() {
      try {
        const value = decodeEfiString(
          await readFile(`/sys/firmware/efi/efivars/LoaderBootCountPath-${loaderGuid}`),
        );
        return value || undefined;
      } catch {
        return undefined;
      }
    },
  };
}
