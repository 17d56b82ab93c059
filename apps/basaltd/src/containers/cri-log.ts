/** One line of a container's log as the runtime wrote it. */
export interface CriLogLine {
  /** Milliseconds since the epoch (the runtime writes nanoseconds; JavaScript dates keep ms). */
  timeMs: number;
  /** The full RFC 3339 time as written. */
  time: string;
  stream: "stdout" | "stderr";
  /** The line was split by the runtime (tag P); the rest follows in the next lines. */
  partial: boolean;
  message: string;
}

const linePattern = /^(\S+) (stdout|stderr) ([A-Z](?::[A-Z0-9=]+)*) ?(.*)$/s;

/**
 * Parses one line of the CRI log format (`2016-10-06T00:17:09.669794202Z stdout F message`),
 * which containerd writes to each container's log_path. Returns undefined for a line that is not
 * in that format (e.g. a truncated write), so the caller can pass it on raw.
 */
export function parseCriLogLine(line: string): CriLogLine | undefined {
  const m = linePattern.exec(line);
  if (!m) return undefined;
  const [, time, stream, tag, message] = m as unknown as [
    string,
    string,
    "stdout" | "stderr",
    string,
    string,
  ];
  const timeMs = Date.parse(time);
  if (Number.isNaN(timeMs)) return undefined;
  return { timeMs, time, stream, partial: tag.split(":")[0] === "P", message };
}

/** A joined line may not grow past this; the rest of an endless partial line is cut off. */
export const maxJoinedBytes = 256 * 1024;

/**
 * Joins the runtime's partial lines (tag P, written for lines longer than its buffer) back into
 * whole lines, per stream, bounded by `maxJoinedBytes`. Lines that do not parse are passed through
 * as stdout with the time of reading.
 */
export async function* joinCriLog(lines: AsyncIterable<string>): AsyncGenerator<CriLogLine> {
  const pending = new Map<string, CriLogLine>();
  for await (const raw of lines) {
    const line = parseCriLogLine(raw);
    if (!line) {
      yield {
        timeMs: Date.now(),
        time: new Date().toISOString(),
        stream: "stdout",
        partial: false,
        message: raw,
      };
      continue;
    }
    const before = pending.get(line.stream);
    const joined = before
      ? {
          ...before,
          message:
            before.message.length >= maxJoinedBytes
              ? before.message
              : (before.message + line.message).slice(0, maxJoinedBytes),
        }
      : line;
    if (line.partial) {
      pending.set(line.stream, joined);
      continue;
    }
    pending.delete(line.stream);
    yield { ...joined, partial: false };
  }
  for (const rest of pending.values()) yield rest;
}
