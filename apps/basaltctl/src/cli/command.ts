import type { ParseArgsOptionsConfig } from "node:util";
import type { NodeResult } from "@basalt/client";
import type { GlobalFlags } from "./global-flags.ts";

export type Row = Record<string, string | number | boolean>;

/** Parsed flags and positionals of one invocation. */
export interface Invocation {
  global: GlobalFlags;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** What `help`, finding the command and parsing its flags need: known without loading its code. */
export interface CommandInfo {
  /** Words that select it, e.g. ["service", "start"]. */
  path: string[];
  summary: string;
  usage: string;
  options?: ParseArgsOptionsConfig;
}

/**
 * One basaltctl command. It returns data — a stream of node-tagged answers, or a local result —
 * and renderers decide how it looks (table, json, yaml).
 */
export interface Command extends CommandInfo {
  run(inv: Invocation): Promise<CommandOutput>;
}

/** What a command does when it runs; it gets its own info for messages (usage in a hint, its name). */
export type RunCommand = (inv: Invocation, command: CommandInfo) => Promise<CommandOutput>;

export type CommandOutput =
  | {
      kind: "nodes";
      results: AsyncIterable<NodeResult<unknown>>;
      /** Rows for table output; several rows per answer are allowed (processes, mounts, ...). */
      rows(value: unknown): Row[];
      /** Plain JSON for json/yaml output. */
      json(value: unknown): unknown;
      /** Streams print line by line in table mode instead of waiting for every node. */
      streaming: boolean;
      /** Long-running answers (upgrades): table mode shows one progress line per node. */
      progress?(value: unknown): { percent: number; label: string } | undefined;
      /** Raw bytes (file reads): table mode writes them unaltered. */
      raw?(value: unknown): Uint8Array | undefined;
    }
  | { kind: "local"; rows: Row[]; json: unknown; message?: string };
