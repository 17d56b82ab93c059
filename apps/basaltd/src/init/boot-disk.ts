import { BasaltError, basaltPartitions, type PartitionRole } from "@basalt/machinery";
import type { BlockDevice } from "./init-host.ts";

/** The PARTUUID of the root this boot's UKI pinned (`basalt.root=PARTUUID=…`), lower case. */
export function bootedRootPartUuid(cmdline: string): string | undefined {
  return /(?:^|\s)basalt\.root=PARTUUID=([0-9a-fA-F-]{36})(?:\s|$)/.exec(cmdline)?.[1]?.toLowerCase();
}

/** The kernel device name (e.g. vdb4) of each Basalt partition on the disk this node booted from. */
export type BootDiskPartitions = Partial<Record<PartitionRole, string>>;

/**
 * Finds the disk this node booted from — the one disk holding the partition whose PARTUUID the UKI
 * pinned — and its Basalt partitions, each matched by unique GUID and type GUID. A partition that is
 * merely named STATE or ROOT-B, on this disk or another, is never taken: a foreign disk attached to
 * the node must not hand it a machine config or receive an upgrade. Two disks carrying the booted
 * root's GUID (a cloned Basalt disk) are refused, since either could be the one that booted.
 */
export function findBootDisk(
  devices: readonly BlockDevice[],
  cmdline: string,
): {
  disk: string;
  partitions: BootDiskPartitions;
} {
  const root = bootedRootPartUuid(cmdline);
  if (!root)
    throw new BasaltError("failed_precondition", "the kernel command line names no basalt.root=PARTUUID=", {
      hint: "boot a Basalt UKI: its command line pins the root partition",
    });
  const holders = devices.filter((d) => d.partUuid === root);
  if (holders.length === 0)
    throw new BasaltError("not_found", `no partition carries the booted root's PARTUUID ${root}`);
  const disks = [...new Set(holders.map((d) => d.disk))];
  if (disks.length > 1)
    throw new BasaltError(
      "failed_precondition",
      `disks ${disks.join(" and ")} both carry the booted root's PARTUUID ${root}: cannot tell which one booted`,
      { hint: "detach the copied Basalt disk; a node uses only the disk it booted from" },
    );
  const disk = disks[0]!;
  const partitions: BootDiskPartitions = {};
  for (const [role, want] of Object.entries(basaltPartitions) as [
    PartitionRole,
    { guid: string; type: string },
  ][]) {
    const found = devices.filter(
      (d) => d.disk === disk && d.partUuid === want.guid && d.partType === want.type,
    );
    if (found.length === 1) partitions[role] = found[0]!.name;
  }
  return { disk, partitions };
}

/** The device path of a role's partition on the boot disk, or a clear error if it is missing. */
export function bootPartition(partitions: BootDiskPartitions, role: PartitionRole): string {
  const name = partitions[role];
  if (!name)
    throw new BasaltError("not_found", `the boot disk has no ${role} partition with Basalt's GUID and type`);
  return `/dev/${name}`;
}
