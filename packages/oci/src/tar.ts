import { BasaltError } from "@basalt/machinery";

/** One entry of a tar archive. Owner is always 0:0; the time is the archive's fixed mtime. */
export type TarEntry =
  | { type: "file"; path: string; mode: number; bytes: Uint8Array }
  | { type: "dir"; path: string; mode: number }
  | { type: "symlink"; path: string; target: string };

const block = 512;

function octal(value: number, width: number): string {
  // width includes the terminating NUL, as GNU tar and Go's archive/tar write it.
  const s = value.toString(8);
  if (s.length > width - 1)
    throw new BasaltError("invalid_argument", `tar field value ${value} is too large`);
  return `${s.padStart(width - 1, "0")}\0`;
}

/** Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a slash. */
function splitPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: "", name: path };
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "")
      return { prefix, name };
  }
  throw new BasaltError("invalid_argument", `path ${path} is too long for a ustar archive`, {
    hint: "keep paths under 100 bytes per name and 255 bytes in all",
  });
}

function header(e: TarEntry, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(block);
  const path = e.type === "dir" && !e.path.endsWith("/") ? `${e.path}/` : e.path;
  const { prefix, name } = splitPath(path);
  const put = (text: string, offset: number, len: number) => {
    if (Buffer.byteLength(text) > len)
      throw new BasaltError("invalid_argument", `tar field too long: ${text}`);
    h.write(text, offset, len, "utf8");
  };
  const mode = e.type === "symlink" ? 0o777 : e.mode;
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8); // uid
  put(octal(0, 8), 116, 8); // gid
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  h.fill(" ", 148, 156); // checksum is computed over spaces here
  put(e.type === "file" ? "0" : e.type === "dir" ? "5" : "2", 156, 1);
  if (e.type === "symlink") {
    if (Buffer.byteLength(e.target) > 100)
      throw new BasaltError("invalid_argument", `symlink target ${e.target} is longer than 100 bytes`);
    put(e.target, 157, 100);
  }
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put(octal(0, 8), 329, 8); // devmajor
  put(octal(0, 8), 337, 8); // devminor
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

/**
 * A ustar archive of `entries`, in the order given, every entry owned by 0:0 with the same mtime:
 * the same entries always give the same bytes.
 */
export function tarArchive(entries: readonly TarEntry[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.type === "file" && (e.mode & ~0o7777) !== 0)
      throw new BasaltError(
        "invalid_argument",
        `mode ${e.mode.toString(8)} of ${e.path} is not a permission mode`,
      );
    const bytes = e.type === "file" ? e.bytes : new Uint8Array(0);
    parts.push(header(e, bytes.length, mtime));
    if (bytes.length > 0) {
      parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      const pad = (block - (bytes.length % block)) % block;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(block * 2)); // end-of-archive marker
  return Buffer.concat(parts);
}

/**
 * Reads back the entries of a ustar archive (regular files, directories, symlinks). Enough to check
 * archives this package writes and simple archives from other tools; not a general tar reader.
 */
export function readTar(archive: Uint8Array): TarEntry[] {
  const buf = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const out: TarEntry[] = [];
  const str = (off: number, len: number) => {
    const s = buf.subarray(off, off + len);
    const end = s.indexOf(0);
    return s.subarray(0, end === -1 ? len : end).toString("utf8");
  };
  const num = (off: number, len: number) => Number.parseInt(str(off, len).trim() || "0", 8);
  let off = 0;
  while (off + block <= buf.length) {
    if (buf.subarray(off, off + block).every((b) => b === 0)) break;
    const prefix = str(off + 345, 155);
    const name = str(off, 100);
    const path = prefix ? `${prefix}/${name}` : name;
    const size = num(off + 124, 12);
    const type = str(off + 156, 1);
    const mode = num(off + 100, 8);
    const data = buf.subarray(off + block, off + block + size);
    if (type === "0" || type === "") out.push({ type: "file", path, mode, bytes: new Uint8Array(data) });
    else if (type === "5") out.push({ type: "dir", path: path.replace(/\/$/, ""), mode });
    else if (type === "2") out.push({ type: "symlink", path, target: str(off + 157, 100) });
    else throw new BasaltError("invalid_argument", `tar entry ${path} has unsupported type '${type}'`);
    off += block + Math.ceil(size / block) * block;
  }
  return out;
}
