import { createHash } from "node:crypto";

/**
 * A UUID derived from a name, for reproducible builds: filesystem UUIDs, GPT GUIDs and verity salts
 * are normally random; here the same profile gives the same bytes.
 */
export function derivedUuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\0")).digest();
  h[6] = (h[6]! & 0x0f) | 0x40; // version 4 layout, as tools expect
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** The partitions of a Basalt disk, in order (DESIGN.md "Disk layout"). */
export type PartitionRole = "ESP" | "ROOT-A" | "ROOT-B" | "STATE";

/** GPT partition type GUIDs (Discoverable Partitions Specification). */
export const partitionTypes = {
  esp: "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
  rootX86_64: "4f68bce3-e8cd-4db1-96e7-fbcaf984b709",
  var: "4d21b016-b534-45c2-a9fb-5c16e091fd2d",
} as const;

/**
 * Every Basalt disk carries the same partition GUIDs, so a UKI built for slot A or B names its root
 * by PARTUUID on any node, and basaltd tells its own partitions from a stranger's by GUID and type,
 * never by name alone.
 */
export const partitionGuids = {
  disk: derivedUuid("basalt", "gpt", "disk"),
  esp: derivedUuid("basalt", "gpt", "ESP"),
  rootA: derivedUuid("basalt", "gpt", "ROOT-A"),
  rootB: derivedUuid("basalt", "gpt", "ROOT-B"),
  state: derivedUuid("basalt", "gpt", "STATE"),
} as const;

/** What each role's partition must carry: its unique GUID and its type GUID. */
export const basaltPartitions: Readonly<Record<PartitionRole, { guid: string; type: string }>> = {
  ESP: { guid: partitionGuids.esp, type: partitionTypes.esp },
  "ROOT-A": { guid: partitionGuids.rootA, type: partitionTypes.rootX86_64 },
  "ROOT-B": { guid: partitionGuids.rootB, type: partitionTypes.rootX86_64 },
  STATE: { guid: partitionGuids.state, type: partitionTypes.var },
};
