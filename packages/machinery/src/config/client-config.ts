import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { BasaltError } from "../errors.ts";
import { parseWith } from "./issues.ts";

const pem = z.string().refine((s) => s.includes("-----BEGIN "), { message: "expected PEM text" });

export const nodeEntrySchema = z.strictObject({
  name: z.string().min(1),
  /** address:port of the node's API. */
  endpoint: z.string().min(1),
  labels: z.record(z.string(), z.string()).default({}),
});

export const contextSchema = z.strictObject({
  nodes: z.array(nodeEntrySchema).default([]),
  ca: pem,
  cert: pem,
  key: pem,
});

export const clientConfigSchema = z.strictObject({
  context: z.string().min(1),
  contexts: z.record(z.string(), contextSchema),
});

export type ClientConfig = z.infer<typeof clientConfigSchema>;
export type ClientContext = z.infer<typeof contextSchema>;
export type NodeEntry = z.infer<typeof nodeEntrySchema>;

export function parseClientConfig(text: string, source: string): ClientConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new BasaltError("invalid_argument", `${source} is not valid YAML: ${(err as Error).message}`);
  }
  return parseWith(clientConfigSchema, doc, `client config ${source}`);
}

/** Picks the named context (or the config's current one), failing with the names that exist. */
export function selectContext(config: ClientConfig, name?: string): { name: string; context: ClientContext } {
  const chosen = name ?? config.context;
  const context = config.contexts[chosen];
  if (!context) {
    const known = Object.keys(config.contexts).join(", ") || "none";
    throw new BasaltError("not_found", `context "${chosen}" is not in the client config`, {
      hint: `known contexts: ${known}`,
    });
  }
  return { name: chosen, context };
}
