import { readFileSync } from "node:fs";
import {
  ApplyConfigResponseSchema,
  ApplyMode,
  type ConfigApplyResult,
  ConfigHistoryResponseSchema,
  ConfigRollbackResponseSchema,
  ConfigService,
  ConfirmConfigResponseSchema,
  GetConfigResponseSchema,
  PatchConfigResponseSchema,
} from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { Command, Invocation } from "../../cli/command.ts";
import { parseDuration } from "../../cli/global-flags.ts";
import { time } from "../../output/format.ts";
import { nodeCommand } from "./node-command.ts";

const modes: Record<string, ApplyMode> = {
  "no-reboot": ApplyMode.NO_REBOOT,
  reboot: ApplyMode.REBOOT,
  staged: ApplyMode.STAGED,
  try: ApplyMode.TRY,
};

const changeOptions = {
  mode: { type: "string" },
  "dry-run": { type: "boolean" },
  "try-timeout": { type: "string" },
} as const;

/** --mode, --dry-run and --try-timeout as request fields. */
export function changeRequest(inv: Invocation): {
  mode: ApplyMode;
  dryRun: boolean;
  tryTimeoutSeconds: number;
} {
  const name = (inv.values.mode as string | undefined) ?? "no-reboot";
  const mode = modes[name];
  if (mode === undefined)
    throw new BasaltError("invalid_argument", `unknown --mode "${name}"`, {
      hint: `use one of ${Object.keys(modes).join(", ")}`,
    });
  const t = inv.values["try-timeout"] as string | undefined;
  const tryTimeoutSeconds = t ? Math.ceil(parseDuration(t) / 1000) : 0;
  if (t && name !== "try") throw new BasaltError("invalid_argument", "--try-timeout goes with --mode try");
  return { mode, dryRun: inv.values["dry-run"] === true, tryTimeoutSeconds };
}

function readInput(inv: Invocation, flag: string, what: string): string {
  const path = (inv.values[flag] as string | undefined) ?? inv.positionals[0];
  if (!path)
    throw new BasaltError("invalid_argument", `${what} is required`, {
      hint: `--${flag} FILE (- reads standard input)`,
    });
  try {
    return readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (err) {
    throw new BasaltError("not_found", `cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
}

/** A change result as text: what happened, each field (live or needing a reboot), then the diff. */
export function resultText(r: ConfigApplyResult | undefined): Uint8Array {
  if (!r) return new TextEncoder().encode("\n");
  const lines = [`${r.mode}: ${r.message}${r.version ? ` [version ${r.version}]` : ""}`];
  for (const c of r.changes) lines.push(`  ${c.kind.padEnd(7)} ${c.path}${c.live ? "" : "  (needs reboot)"}`);
  if (r.diff) lines.push("", r.diff);
  return new TextEncoder().encode(`${lines.join("\n")}\n`);
}

const resultRows = (r: ConfigApplyResult | undefined) =>
  r ? [{ MODE: r.mode, VERSION: Number(r.version), CHANGES: r.changes.length, RESULT: r.message }] : [];

export const configCommands: Command[] = [
  nodeCommand({
    path: ["config", "get"],
    summary: "the machine config in force, as YAML (secrets redacted unless admin)",
    usage: "basaltctl config get -n NODES",
    service: ConfigService,
    method: "getConfig",
    output: GetConfigResponseSchema,
    rows: (v) => [{ VERSION: Number(v.version), REDACTED: v.redacted, STAGED: v.stagedPending }],
    raw: (v) => new TextEncoder().encode(v.yaml),
  }),
  nodeCommand({
    path: ["config", "apply"],
    summary:
      "replace the machine config (admin): --mode no-reboot|reboot|staged|try, --dry-run shows the diff",
    usage:
      "basaltctl config apply --file machine.yaml [--mode no-reboot|reboot|staged|try] [--try-timeout 60s] [--dry-run] -n NODES",
    options: { file: { type: "string", short: "f" }, ...changeOptions },
    service: ConfigService,
    method: "applyConfig",
    output: ApplyConfigResponseSchema,
    mutating: true,
    request: (inv) => ({ yaml: readInput(inv, "file", "a machine config file"), ...changeRequest(inv) }),
    rows: (v) => resultRows(v.result),
    raw: (v) => resultText(v.result),
  }),
  nodeCommand({
    path: ["config", "patch"],
    summary: "change the machine config by a merge patch (RFC 7396) or JSON Patch (RFC 6902) (admin)",
    usage:
      'basaltctl config patch (--merge \'{"node":{"labels":{"zone":"b"}}}\' | --merge-file F | --json-patch \'[…]\' | --json-patch-file F) [--mode …] [--dry-run] -n|-l NODES',
    options: {
      merge: { type: "string" },
      "merge-file": { type: "string" },
      "json-patch": { type: "string" },
      "json-patch-file": { type: "string" },
      ...changeOptions,
    },
    service: ConfigService,
    method: "patchConfig",
    output: PatchConfigResponseSchema,
    mutating: true,
    request: (inv) => {
      const v = inv.values;
      const given = ["merge", "merge-file", "json-patch", "json-patch-file"].filter(
        (k) => v[k] !== undefined,
      );
      if (given.length !== 1)
        throw new BasaltError("invalid_argument", "give exactly one patch", {
          hint: "--merge JSON, --merge-file F, --json-patch JSON or --json-patch-file F",
        });
      const which = given[0]!;
      const text = which.endsWith("-file") ? readInput(inv, which, "a patch file") : (v[which] as string);
      const patch = which.startsWith("merge")
        ? { case: "mergePatch" as const, value: text }
        : { case: "jsonPatch" as const, value: text };
      return { patch, ...changeRequest(inv) };
    },
    rows: (v) => resultRows(v.result),
    raw: (v) => resultText(v.result),
  }),
  nodeCommand({
    path: ["config", "history"],
    summary: "the last versions of the machine config: who changed it, when, how",
    usage: "basaltctl config history -n NODES",
    service: ConfigService,
    method: "configHistory",
    output: ConfigHistoryResponseSchema,
    rows: (v) =>
      v.entries.map((e) => ({
        VERSION: `${Number(e.version)}${e.current ? "*" : ""}`,
        TIME: time(e.time),
        BY: e.by,
        MODE: e.mode,
        CHANGED:
          e.paths.length > 3
            ? `${e.paths.slice(0, 3).join(", ")} +${e.paths.length - 3}`
            : e.paths.join(", "),
        NOTE: e.note,
      })),
  }),
  nodeCommand({
    path: ["config", "rollback"],
    summary: "apply an earlier version of the machine config again (admin)",
    usage: "basaltctl config rollback VERSION [--mode …] [--dry-run] -n NODES",
    options: changeOptions,
    service: ConfigService,
    method: "configRollback",
    output: ConfigRollbackResponseSchema,
    mutating: true,
    request: (inv) => {
      const version = Number(inv.positionals[0]);
      if (!Number.isInteger(version) || version < 1)
        throw new BasaltError("invalid_argument", "which version?", {
          hint: "basaltctl config history lists them",
        });
      return { version: BigInt(version), ...changeRequest(inv) };
    },
    rows: (v) => resultRows(v.result),
    raw: (v) => resultText(v.result),
  }),
  nodeCommand({
    path: ["config", "confirm"],
    summary: "keep a config applied with --mode try (else the node reverts by itself) (admin)",
    usage: "basaltctl config confirm -n NODES",
    service: ConfigService,
    method: "confirmConfig",
    output: ConfirmConfigResponseSchema,
    mutating: true,
    rows: (v) => [{ VERSION: Number(v.version), RESULT: v.message }],
  }),
];
