import { readFileSync } from "node:fs";
import { BasaltError } from "@basalt/machinery";
import type { KeyPairPem } from "@basalt/pki";
import { parse, stringify } from "yaml";

/** The cluster's secrets: the CA that signs node and client certificates. Kept 0600, never printed. */
export interface Secrets {
  ca: KeyPairPem;
}

export function readSecrets(path: string): Secrets {
  let doc: Partial<Secrets> | undefined;
  try {
    doc = parse(readFileSync(path, "utf8")) as Partial<Secrets>;
  } catch (err) {
    throw new BasaltError("not_found", `cannot read secrets ${path}: ${(err as Error).message}`, {
      hint: "create them with `basaltctl gen secrets`",
    });
  }
  if (!doc?.ca?.cert?.includes("BEGIN CERTIFICATE") || !doc.ca.key?.includes("PRIVATE KEY")) {
    throw new BasaltError(
      "invalid_argument",
      `${path} is not a Basalt secrets file (ca.cert and ca.key expected)`,
    );
  }
  return doc as Secrets;
}

export function renderSecrets(s: Secrets): string {
  return stringify({ ca: s.ca });
}
