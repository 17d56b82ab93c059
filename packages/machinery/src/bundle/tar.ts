import { BasaltError } from "../errors.ts";
import type { ByteReader } from "./byte-reader.ts";

/**
 * A minimal ustar container: the bundle is one file any static HTTP server can serve and any `tar`
 * can list, read front to back in one pass. Headers are deterministic (mtime 0, uid/gid 0, 0644) so
 * the same inputs give the same bytes.
 */
const block = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

export function tarHeader(name: string, size: number): Uint8Array {
  if (Buffer.byteLength(name) > 99)
    throw new BasaltError("invalid_argument", `tar entry name too long: ${name}`);
  if (size >= 8 ** 11) throw new BasaltError("invalid_argument", `tar entry ${name} is too large for ustar`);
  const h = Buffer.alloc(block);
  h.write(name, 0, "utf8");
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.write("        ", 148);
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((block - (size % block)) % block);
}

/** Two zero blocks end an archive. */
export const tarEnd = new Uint8Array(block * 2);

export interface TarEntryHeader {
  name: string;
  size: number;
}

/** Reads the next entry header; undefined at the end-of-archive marker. */
export async function readTarHeader(reader: ByteReader): Promise<TarEntryHeader | undefined> {
  if (await reader.atEnd()) return undefined;
  const h = Buffer.from(await reader.read(block, "a tar header"));
  if (h.every((b) => b === 0)) return undefined;
  let sum = 0;
  for (let i = 0; i < block; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  const stored = Number.parseInt(h.toString("latin1", 148, 156).replace(/\0.*$/, "").trim(), 8);
  if (stored !== sum || h.toString("latin1", 257, 262) !== "ustar") {
    throw new BasaltError(
      "invalid_argument",
      `not a Basalt bundle: bad tar header at byte ${reader.position - block}`,
    );
  }
  if (h[156] !== 0x30 && h[156] !== 0)
    throw new BasaltError("invalid_argument", "bundles hold regular files only");
  const name = h.toString("utf8", 0, 100).replace(/\0.*$/s, "");
  const size = parseOctalSize(h.toString("latin1", 124, 136));
  if (size === undefined)
    throw new BasaltError(
      "invalid_argument",
      `not a Basalt bundle: the tar header of ${JSON.stringify(name)} has an invalid size field`,
    );
  return { name, size };
}

/**
 * A ustar size field: octal digits (NUL- or space-terminated, at most 11 of them), so never
 * negative, fractional, NaN or beyond 8 GiB. Base-256 (GNU) sizes are refused: a bundle never needs them.
 */
export function parseOctalSize(field: string): number | undefined {
  const m = /^ *([0-7]{1,11})[ \0]*$/.exec(field.replace(/\0.*$/s, "\0"));
  if (!m) return undefined;
  const size = Number.parseInt(m[1]!, 8);
  return Number.isSafeInteger(size) ? size : undefined;
}

export async function skipTarPadding(reader: ByteReader, size: number): Promise<void> {
  const pad = tarPadding(size).length;
  if (pad) await reader.read(pad, "tar padding");
}
