import type { ParseArgsOptionsConfig } from "node:util";
import { BasaltError } from "@basalt/machinery/errors";

export type OutputFormat = "table" | "json" | "yaml";

export interface GlobalFlags {
  basaltconfig?: string;
  context?: string;
  nodes?: string[];
  endpoints?: string[];
  selector?: string;
  output: OutputFormat;
  concurrency: number;
  timeoutMs: number;
}

export const globalOptions: ParseArgsOptionsConfig = {
  basaltconfig: { type: "string" },
  context: { type: "string" },
  nodes: { type: "string", short: "n", multiple: true },
  endpoints: { type: "string", short: "e", multiple: true },
  selector: { type: "string", short: "l" },
  output: { type: "string", short: "o" },
  concurrency: { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
};

const list = (v: unknown) =>
  Array.isArray(v)
    ? v
        .flatMap((s: string) => s.split(","))
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

/** Parses "10s", "500ms", "2m" into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m)
    throw new BasaltError("invalid_argument", `"${text}" is not a duration`, {
      hint: "use e.g. 500ms, 10s or 2m",
    });
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

export function readGlobalFlags(values: Record<string, unknown>): GlobalFlags {
  const output = (values.output as string | undefined) ?? "table";
  if (!["table", "json", "yaml"].includes(output)) {
    throw new BasaltError("invalid_argument", `unknown output format "${output}"`, {
      hint: "use -o table, -o json or -o yaml",
    });
  }
  const concurrency = Number(values.concurrency ?? 32);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new BasaltError("invalid_argument", "--concurrency must be a positive integer");
  }
  return {
    basaltconfig: values.basaltconfig as string | undefined,
    context: values.context as string | undefined,
    nodes: list(values.nodes),
    endpoints: list(values.endpoints),
    selector: values.selector as string | undefined,
    output: output as OutputFormat,
    concurrency,
    timeoutMs: values.timeout ? parseDuration(values.timeout as string) : 15_000,
  };
}
