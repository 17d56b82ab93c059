import { partitionGuids } from "./ids.ts";

/** One GPT partition, in 512-byte sectors. */
export interface PartitionPlan {
  number: number;
  name: "ESP" | "ROOT-A" | "ROOT-B" | "STATE";
  /** sgdisk type code: EFI system, Linux x86-64 root, Linux /var. */
  type: "ef00" | "8304" | "8310";
  guid: string;
  firstSector: number;
  lastSector: number;
}

const MiB = 2048; // sectors

/**
 * The Basalt disk (DESIGN.md "Disk layout"): ESP · ROOT-A · ROOT-B · STATE, 1 MiB aligned, with fixed
 * GUIDs, and 1 MiB free at the end for the backup GPT.
 */
export function planDisk(sizes: { espMiB: number; rootMiB: number; stateMiB: number }): {
  partitions: PartitionPlan[];
  totalBytes: number;
} {
  const parts: [PartitionPlan["name"], PartitionPlan["type"], string, number][] = [
    ["ESP", "ef00", partitionGuids.esp, sizes.espMiB],
    ["ROOT-A", "8304", partitionGuids.rootA, sizes.rootMiB],
    ["ROOT-B", "8304", partitionGuids.rootB, sizes.rootMiB],
    ["STATE", "8310", partitionGuids.state, sizes.stateMiB],
  ];
  let next = MiB;
  const partitions = parts.map(([name, type, guid, mib], i) => {
    const p = { number: i + 1, name, type, guid, firstSector: next, lastSector: next + mib * MiB - 1 };
    next += mib * MiB;
    return p;
  });
  return { partitions, totalBytes: (next + MiB) * 512 };
}

/** The sgdisk arguments that write this layout onto a fresh file. */
export function sgdiskArgs(partitions: readonly PartitionPlan[], diskGuid: string): string[] {
  const args = ["-o", `-U${diskGuid}`];
  for (const p of partitions) {
    args.push(
      `-n${p.number}:${p.firstSector}:${p.lastSector}`,
      `-t${p.number}:${p.type}`,
      `-c${p.number}:${p.name}`,
      `-u${p.number}:${p.guid}`,
    );
  }
  return args;
}
