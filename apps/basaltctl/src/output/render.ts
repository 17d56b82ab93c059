import { stringify } from "yaml";
import type { CommandOutput, Row } from "../cli/command.ts";
import type { OutputFormat } from "../cli/global-flags.ts";
import { ProgressBoard } from "./progress.ts";
import { renderTable } from "./table.ts";

export interface Sink {
  out(text: string | Uint8Array): void;
  err(text: string): void;
  tty?: boolean;
}

export const processSink: Sink = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  tty: process.stdout.isTTY === true,
};

/**
 * Prints a command's output and returns how many nodes failed. json prints one object per line per
 * answer as it arrives; yaml one document per answer; table waits for every node (to align the
 * columns) except for streams, which print line by line tagged with their node.
 */
export async function render(
  output: CommandOutput,
  format: OutputFormat,
  sink: Sink = processSink,
): Promise<number> {
  if (output.kind === "local") {
    if (format === "json") sink.out(`${JSON.stringify(output.json)}\n`);
    else if (format === "yaml") sink.out(stringify(output.json));
    else {
      sink.out(renderTable(output.rows));
      if (output.message) sink.err(`${output.message}\n`);
    }
    return 0;
  }
  const failed = new Set<string>();
  const table: Row[] = [];
  let lastRawNode: string | undefined;
  let multiNode = false;
  const seenNodes = new Set<string>();
  const board = output.progress ? new ProgressBoard((t) => sink.out(t), sink.tty === true) : undefined;
  for await (const r of output.results) {
    seenNodes.add(r.node);
    if (seenNodes.size > 1) multiNode = true;
    if (r.error) {
      failed.add(r.node);
      const error = {
        code: r.error.code,
        message: r.error.message,
        ...(r.error.hint ? { hint: r.error.hint } : {}),
      };
      if (format === "json") sink.out(`${JSON.stringify({ node: r.node, error })}\n`);
      else if (format === "yaml") sink.out(`---\n${stringify({ node: r.node, error })}`);
      else sink.err(`${r.node}: error: ${r.error.describe()}\n`);
      continue;
    }
    if (format === "json") {
      sink.out(`${JSON.stringify({ node: r.node, value: output.json(r.value) })}\n`);
    } else if (format === "yaml") {
      sink.out(`---\n${stringify({ node: r.node, value: output.json(r.value) })}`);
    } else if (board && output.progress) {
      const p = output.progress(r.value);
      if (p) board.update(r.node, p.percent, p.label);
    } else if (output.raw) {
      const bytes = output.raw(r.value);
      if (!bytes) continue;
      if (multiNode && lastRawNode !== r.node) sink.out(`\n==> ${r.node} <==\n`);
      lastRawNode = r.node;
      sink.out(bytes);
    } else if (output.streaming) {
      for (const row of output.rows(r.value)) sink.out(`${r.node}  ${Object.values(row).join("  ")}\n`);
    } else {
      for (const row of output.rows(r.value)) table.push({ NODE: r.node, ...row });
    }
  }
  if (table.length) sink.out(renderTable(table));
  return failed.size;
}
