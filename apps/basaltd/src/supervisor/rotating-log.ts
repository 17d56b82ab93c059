import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

/** What a log reports when it starts or stops dropping lines (a full or failing disk). */
export type LogTrouble =
  | { kind: "dropping"; path: string; error: string }
  | { kind: "recovered"; path: string; dropped: number };

/**
 * An append-only log file that rotates by size: `name.log` → `name.log.1` → … → `name.log.<keep>`,
 * the oldest dropped. Writes are synchronous so lines from stdout and stderr keep their order and a
 * crash loses nothing already written. A write that fails (ENOSPC on a full STATE, EIO, ...) drops
 * the line and never throws: the daemon must outlive a full disk, and in init mode an uncaught error
 * would reboot the node into the same full disk. `onTrouble` hears when dropping starts and ends.
 */
export class RotatingLog {
  readonly path: string;
  #maxBytes: number;
  #keep: number;
  #fd = -1;
  #size = 0;
  #dropped = 0;
  #lastError = "";
  onTrouble: ((t: LogTrouble) => void) | undefined;

  constructor(
    path: string,
    options: { maxBytes: number; keep: number; onTrouble?: (t: LogTrouble) => void },
  ) {
    this.path = path;
    this.#maxBytes = options.maxBytes;
    this.#keep = options.keep;
    this.onTrouble = options.onTrouble;
    try {
      this.#open();
    } catch (err) {
      this.#failed(err);
    }
  }

  /** New rotation limits (a machine config changed live); they apply from the next write. */
  setLimits(limits: { maxBytes: number; keep: number }): void {
    this.#maxBytes = limits.maxBytes;
    this.#keep = limits.keep;
  }

  /** Lines dropped since writing last failed (0 while writes succeed). */
  get dropped(): number {
    return this.#dropped;
  }

  #open(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o750 });
    this.#fd = openSync(this.path, "a", 0o640);
    this.#size = fstatSync(this.#fd).size;
  }

  write(text: string): void {
    const bytes = Buffer.from(text);
    try {
      if (this.#fd < 0) this.#open();
      if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) this.#rotate();
      writeSync(this.#fd, bytes);
      this.#size += bytes.length;
    } catch (err) {
      this.#dropped++;
      this.#failed(err);
      return;
    }
    if (this.#lastError) {
      const dropped = this.#dropped;
      this.#lastError = "";
      this.#dropped = 0;
      this.#notify({ kind: "recovered", path: this.path, dropped });
    }
  }

  #failed(err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    if (this.#lastError === code) return;
    this.#lastError = code;
    this.#notify({ kind: "dropping", path: this.path, error: code });
  }

  #notify(t: LogTrouble): void {
    try {
      this.onTrouble?.(t);
    } catch {
      // Reporting trouble must not become trouble.
    }
  }

  #rotate(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    const oldest = `${this.path}.${this.#keep}`;
    if (existsSync(oldest)) rmSync(oldest);
    for (let i = this.#keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.#fd = openSync(this.path, "a", 0o640);
    this.#size = 0;
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

/** Publishes a log's trouble as a `storage` event, so `basaltctl events` shows a full disk. */
export function publishLogTrouble(events: {
  publish(kind: "storage", subject: string, message: string): unknown;
}) {
  return (t: LogTrouble): void => {
    const name = t.path.split("/").at(-1) ?? t.path;
    if (t.kind === "dropping")
      events.publish("storage", name, `dropping log lines: cannot write ${t.path} (${t.error})`);
    else events.publish("storage", name, `writing ${t.path} again; ${t.dropped} lines were dropped`);
  };
}

/** Splits a byte stream into lines, keeping a partial last line until its newline arrives. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; flush(): void } {
  let rest = "";
  return {
    push(chunk) {
      const text = rest + chunk.toString("utf8");
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      // A runaway line without newlines is cut rather than buffered without bound.
      if (rest.length > 64 * 1024) {
        lines.push(rest);
        rest = "";
      }
      for (const l of lines) onLine(l);
    },
    flush() {
      if (rest) onLine(rest);
      rest = "";
    },
  };
}
