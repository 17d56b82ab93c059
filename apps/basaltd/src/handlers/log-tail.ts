import { open, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { lineSplitter } from "../supervisor/rotating-log.ts";

/**
 * Lines of a log file: the last `tail` (all when 0), then, with `follow`, new lines as they are
 * written. Follow polls the size, and starts over when the file shrank (it was rotated).
 */
export async function* tailLines(
  path: string,
  options: { tail: number; follow: boolean; signal: AbortSignal; pollMs?: number },
): AsyncGenerator<string> {
  let position = 0;
  const initial = await readFrom(path, 0);
  position = initial.size;
  const lines = initial.text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  yield* options.tail > 0 ? lines.slice(-options.tail) : lines;
  if (!options.follow) return;
  const pending: string[] = [];
  const splitter = lineSplitter((l) => pending.push(l));
  while (!options.signal.aborted) {
    await sleep(options.pollMs ?? 200, undefined, { signal: options.signal }).catch(() => undefined);
    const size = (await stat(path).catch(() => ({ size: 0 }))).size;
    if (size < position) position = 0;
    if (size === position) continue;
    const next = await readFrom(path, position);
    position = next.size;
    splitter.push(Buffer.from(next.text));
    yield* pending.splice(0);
  }
}

async function readFrom(path: string, position: number): Promise<{ text: string; size: number }> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const length = Math.max(0, size - position);
    const buffer = Buffer.alloc(length);
    if (length > 0) await handle.read(buffer, 0, length, position);
    return { text: buffer.toString("utf8"), size };
  } finally {
    await handle.close();
  }
}
