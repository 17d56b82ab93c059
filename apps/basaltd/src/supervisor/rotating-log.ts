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

/**
 * An append-only log file that rotates by size: `name.log` → `name.log.1` → … → `name.log.<keep>`,
 * the oldest dropped. Writes are synchronous so lines from stdout and stderr keep their order and a
 * crash loses nothing already written.
 */
export class RotatingLog {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  #fd: number;
  #size: number;

  constructor(path: string, options: { maxBytes: number; keep: number }) {
    this.path = path;
    this.#maxBytes = options.maxBytes;
    this.#keep = options.keep;
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    this.#fd = openSync(path, "a", 0o640);
    this.#size = fstatSync(this.#fd).size;
  }

  write(text: string): void {
    const bytes = Buffer.from(text);
    if (this.#size > 0 && this.#size + bytes.length > this.#maxBytes) this.#rotate();
    writeSync(this.#fd, bytes);
    this.#size += bytes.length;
  }

  #rotate(): void {
    closeSync(this.#fd);
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
    closeSync(this.#fd);
  }
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
