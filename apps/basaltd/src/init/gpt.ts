/**
 * A pure reader of a disk's GUID Partition Table (UEFI spec §5.3), from the disk's first bytes.
 * It sees untrusted bytes (any disk attached to the node), so every offset and count is checked.
 */
const sector = 512;
const headerSignature = "EFI PART";
/** Enough for the header and 128 entries of 128 bytes at LBA 2, as every tool writes them. */
export const gptHeadBytes = 2 * sector + 128 * 128;
const maxEntries = 128;

/** One used GPT entry. GUIDs are lower case, in their usual text form. */
export interface GptPartition {
  /** 1-based, as the kernel numbers partitions (/sys/class/block/<dev>/partition). */
  number: number;
  typeGuid: string;
  partGuid: string;
  name: string;
}

/** A GUID as GPT stores it: the first three fields little-endian, the rest as bytes. */
export function guidFromBytes(b: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Buffer.from(b.subarray(from, to));
    return (reverse ? part.reverse() : part).toString("hex");
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join("-");
}

/**
 * The used entries of the GPT at LBA 1 of `head`, or undefined if `head` holds no GPT (no signature,
 * or entries outside what was read). Never throws on odd bytes.
 */
export function parseGpt(head: Buffer): GptPartition[] | undefined {
  if (head.length < 2 * sector) return undefined;
  if (head.toString("latin1", sector, sector + 8) !== headerSignature) return undefined;
  const entriesLba = head.readBigUInt64LE(sector + 72);
  const count = head.readUInt32LE(sector + 80);
  const entrySize = head.readUInt32LE(sector + 84);
  if (entrySize < 128 || entrySize > 1024 || entrySize % 8 !== 0) return undefined;
  if (entriesLba < 2n || entriesLba > 64n) return undefined;
  const start = Number(entriesLba) * sector;
  const out: GptPartition[] = [];
  for (let i = 0; i < Math.min(count, maxEntries); i++) {
    const at = start + i * entrySize;
    if (at + 128 > head.length) break;
    const entry = head.subarray(at, at + 128);
    if (entry.subarray(0, 16).every((x) => x === 0)) continue;
    const rawName = entry.subarray(56, 128).toString("utf16le");
    const end = rawName.indexOf("\0");
    out.push({
      number: i + 1,
      typeGuid: guidFromBytes(entry.subarray(0, 16)),
      partGuid: guidFromBytes(entry.subarray(16, 32)),
      name: end === -1 ? rawName : rawName.slice(0, end),
    });
  }
  return out;
}
