import { type FileHandle, open, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { lineSplitter } from "../supervisor/rotating-log.ts";

const chunkBytes = 64 * 1024;
/** How far back from the end a tail looks for its lines before it gives up and starts there. */
const maxTailScanBytes = 16 * 1024 * 1024;

/**
 * Lines of a log file: the last `tail` (all when 0), then, with `follow`, new lines as they are
 * written. The tail is found by reading backwards from the end, and everything is read in chunks,
 * so memory stays bounded whatever the file's size. Follow polls the size, and starts over when the
 * file shrank (it was rotated).
 */
export async function* tailLines(
  path: string,
  options: { tail: number; follow: boolean; signal: AbortSignal; pollMs?: number },
): AsyncGenerator<string> {
  const pending: string[] = [];
  const splitter = lineSplitter((l) => pending.push(l));
  let position: number;
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const start = options.tail > 0 ? await startOfLastLines(handle, size, options.tail) : 0;
    for await (const chunk of readRange(handle, start, size)) {
      splitter.push(chunk);
      yield* pending.splice(0);
    }
    position = size;
  } finally {
    await handle.close();
  }
  if (!options.follow) {
    splitter.flush();
    yield* pending.splice(0);
    return;
  }
  while (!options.signal.aborted) {
    await sleep(options.pollMs ?? 200, undefined, { signal: options.signal }).catch(() => undefined);
    const size = (await stat(path).catch(() => ({ size: 0 }))).size;
    if (size < position) position = 0;
    if (size === position) continue;
    const h = await open(path, "r").catch(() => undefined);
    if (!h) continue;
    try {
      for await (const chunk of readRange(h, position, size)) {
        splitter.push(chunk);
        yield* pending.splice(0);
      }
      position = size;
    } finally {
      await h.close();
    }
  }
}

/** The byte offset where the last `lines` lines of the first `size` bytes begin. */
export async function startOfLastLines(handle: FileHandle, size: number, lines: number): Promise<number> {
  const buffer = Buffer.alloc(chunkBytes);
  let end = size;
  // A final newline ends the last line; it does not begin another.
  if (size > 0) {
    await handle.read(buffer, 0, 1, size - 1);
    if (buffer[0] === 0x0a) end = size - 1;
  }
  let seen = 0;
  let at = end;
  while (at > 0 && size - at < maxTailScanBytes) {
    const length = Math.min(chunkBytes, at);
    at -= length;
    const { bytesRead } = await handle.read(buffer, 0, length, at);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buffer[i] === 0x0a && ++seen === lines) return at + i + 1;
    }
  }
  return at;
}

async function* readRange(handle: FileHandle, from: number, to: number): AsyncGenerator<Buffer> {
  for (let at = from; at < to; ) {
    const buffer = Buffer.alloc(Math.min(chunkBytes, to - at));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
