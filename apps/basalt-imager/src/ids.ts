import { createHash } from "node:crypto";

/**
 * Fixed identifiers for a reproducible build. Filesystem UUIDs, GPT GUIDs and the verity salt are
 * normally random; here they are derived from a name, so the same profile gives the same bytes.
 */
export function derivedUuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\0")).digest();
  h[6] = (h[6]! & 0x0f) | 0x40; // version 4 layout, as tools expect
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** A 32-byte hex salt derived from a name (dm-verity). */
export function derivedSalt(...parts: string[]): string {
  return createHash("sha256")
    .update(["salt", ...parts].join("\0"))
    .digest("hex");
}

/**
 * GPT partition GUIDs are the same on every Basalt disk, so a UKI built for slot A or B can name its
 * root partition by PARTUUID on any node.
 */
export const partitionGuids = {
  disk: derivedUuid("basalt", "gpt", "disk"),
  esp: derivedUuid("basalt", "gpt", "ESP"),
  rootA: derivedUuid("basalt", "gpt", "ROOT-A"),
  rootB: derivedUuid("basalt", "gpt", "ROOT-B"),
  state: derivedUuid("basalt", "gpt", "STATE"),
} as const;
