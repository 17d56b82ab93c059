import { createHash } from "node:crypto";

export { derivedUuid, partitionGuids } from "@basalt/machinery";

/** A 32-byte hex salt derived from a name (dm-verity). */
export function derivedSalt(...parts: string[]): string {
  return createHash("sha256")
    .update(["salt", ...parts].join("\0"))
    .digest("hex");
}
