/**
 * One progress line per node for long-running answers (upgrades). On a terminal the lines are
 * redrawn in place as bars; elsewhere (CI logs, pipes) a line is printed when a node's phase changes
 * or its percentage crosses a tenth.
 */
export class ProgressBoard {
  readonly #lines = new Map<string, { percent: number; label: string }>();
  readonly #printed = new Map<string, string>();
  readonly #tty: boolean;
  readonly #write: (s: string) => void;
  #drawn = 0;

  constructor(write: (s: string) => void, tty: boolean) {
    this.#write = write;
    this.#tty = tty;
  }

  update(node: string, percent: number, label: string): void {
    this.#lines.set(node, { percent, label });
    if (this.#tty) {
      this.#redraw();
      return;
    }
    const phase = label.split(":")[0] ?? label;
    const key = `${phase}:${Math.floor(percent / 10)}`;
    if (this.#printed.get(node) === key) return;
    this.#printed.set(node, key);
    this.#write(`${node}  ${String(percent).padStart(3)}%  ${label}\n`);
  }

  #redraw(): void {
    if (this.#drawn) this.#write(`\x1b[${this.#drawn}A`);
    const width = Math.max(...[...this.#lines.keys()].map((n) => n.length));
    for (const [node, { percent, label }] of this.#lines) {
      const filled = Math.round(percent / 5);
      const bar = `[${"#".repeat(filled)}${".".repeat(20 - filled)}]`;
      this.#write(
        `\x1b[2K${node.padEnd(width)}  ${bar} ${String(percent).padStart(3)}%  ${label.slice(0, 80)}\n`,
      );
    }
    this.#drawn = this.#lines.size;
  }
}
