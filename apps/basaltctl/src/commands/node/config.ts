import type { Command } from "../../cli/command.ts";
import { lazyCommands } from "../../cli/lazy-commands.ts";

const changeOptions = {
  mode: { type: "string" },
  "dry-run": { type: "boolean" },
  "try-timeout": { type: "string" },
} as const;

export const configCommands: Command[] = lazyCommands(() => import("./config-run.ts"), {
  configGet: {
    path: ["config", "get"],
    summary: "the machine config in force, as YAML (secrets redacted unless admin)",
    usage: "basaltctl config get -n NODES",
  },
  configApply: {
    path: ["config", "apply"],
    summary:
      "replace the machine config (admin): --mode no-reboot|reboot|staged|try, --dry-run shows the diff",
    usage:
      "basaltctl config apply --file machine.yaml [--mode no-reboot|reboot|staged|try] [--try-timeout 60s] [--dry-run] -n NODES",
    options: { file: { type: "string", short: "f" }, ...changeOptions },
  },
  configPatch: {
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
  },
  configHistory: {
    path: ["config", "history"],
    summary: "the last versions of the machine config: who changed it, when, how",
    usage: "basaltctl config history -n NODES",
  },
  configRollback: {
    path: ["config", "rollback"],
    summary: "apply an earlier version of the machine config again (admin)",
    usage: "basaltctl config rollback VERSION [--mode …] [--dry-run] -n NODES",
    options: changeOptions,
  },
  configConfirm: {
    path: ["config", "confirm"],
    summary: "keep a config applied with --mode try (else the node reverts by itself) (admin)",
    usage: "basaltctl config confirm -n NODES",
  },
});
