import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

const block = 64 * 1024;
/** At most this much is read backwards looking for the last `tail` lines. */
export const maxTailBytes = 32 * 1024 * 1024;
/** A line longer than this is cut into pieces rather than buffered. */
const maxLineBytes = 256 * 1024;

/**
 * Lines of a (log) file in bounded memory: the last `tail` lines (found by reading backwards,
 * never more than `maxTailBytes`), or all of it streamed in blocks when `tail` is 0; then, with
 * `follow`, lines as they are appended (polling the size; a file that shrank was rotated or
 * truncated, and is read again from its start).
 */
export async function* fileLines(
  path: string,
  options: { tail: number; follow: boolean; signal: AbortSignal; pollMs?: number },
): AsyncGenerator<string> {
  let position = options.tail > 0 ? await tailStart(path, options.tail) : 0;
  let rest = "";
  for (;;) {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      if (size < position) {
        position = 0;
        rest = "";
      }
      const buffer = Buffer.alloc(block);
      while (position < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(block, size - position), position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const lines = (rest + buffer.subarray(0, bytesRead).toString("utf8")).split("\n");
        rest = lines.pop() ?? "";
        if (rest.length > maxLineBytes) {
          lines.push(rest);
          rest = "";
        }
        yield* lines;
      }
    } finally {
      await handle.close();
    }
    if (!options.follow || options.signal.aborted) break;
    await sleep(options.pollMs ?? 200, undefined, { signal: options.signal }).catch(() => undefined);
    if (options.signal.aborted) break;
  }
  if (rest && !options.follow) yield rest;
}

/** Where the last `tail` lines start: read backwards block by block, counting newlines. */
async function tailStart(path: string, tail: number): Promise<number> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(block);
    let end = size;
    let newlines = 0;
    while (end > 0 && size - end < maxTailBytes) {
      const start = Math.max(0, end - block);
      const { bytesRead } = await handle.read(buffer, 0, end - start, start);
      for (let i = bytesRead - 1; i >= 0; i--) {
        if (buffer[i] !== 0x0a) continue;
        // A final newline ends the last line; it does not start another.
        if (start + i === size - 1) continue;
        if (++newlines === tail) return start + i + 1;
      }
      end = start;
    }
    return end;
  } finally {
    await handle.close();
  }
}
