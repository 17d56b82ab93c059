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
import type { Invocation } from "../../cli/command.ts";
import { parseDuration } from "../../cli/global-flags.ts";
import { time } from "../../output/format.ts";
import { nodeCall } from "./node-call.ts";

const modes: Record<string, ApplyMode> = {
  "no-reboot": ApplyMode.NO_REBOOT,
  reboot: ApplyMode.REBOOT,
  staged: ApplyMode.STAGED,
  try: ApplyMode.TRY,
};

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

export const configGet = nodeCall({
  service: ConfigService,
  method: "getConfig",
  output: GetConfigResponseSchema,
  rows: (v) => [{ VERSION: Number(v.version), REDACTED: v.redacted, STAGED: v.stagedPending }],
  raw: (v) => new TextEncoder().encode(v.yaml),
});

export const configApply = nodeCall({
  service: ConfigService,
  method: "applyConfig",
  output: ApplyConfigResponseSchema,
  mutating: true,
  request: (inv) => ({ yaml: readInput(inv, "file", "a machine config file"), ...changeRequest(inv) }),
  rows: (v) => resultRows(v.result),
  raw: (v) => resultText(v.result),
});

export const configPatch = nodeCall({
  service: ConfigService,
  method: "patchConfig",
  output: PatchConfigResponseSchema,
  mutating: true,
  request: (inv) => {
    const v = inv.values;
    const given = ["merge", "merge-file", "json-patch", "json-patch-file"].filter((k) => v[k] !== undefined);
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
});

export const configHistory = nodeCall({
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
        e.paths.length > 3 ? `${e.paths.slice(0, 3).join(", ")} +${e.paths.length - 3}` : e.paths.join(", "),
      NOTE: e.note,
    })),
});

export const configRollback = nodeCall({
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
});

export const configConfirm = nodeCall({
  service: ConfigService,
  method: "confirmConfig",
  output: ConfirmConfigResponseSchema,
  mutating: true,
  rows: (v) => [{ VERSION: Number(v.version), RESULT: v.message }],
});
