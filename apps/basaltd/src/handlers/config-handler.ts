import { ApplyMode, ConfigApplyResultSchema, type ConfigService } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { parse as parseYaml } from "yaml";
import { callerMaySeeSecrets } from "../api/caller.ts";
import { peerKey } from "../api/peer.ts";
import { showChange } from "../config/config-diff.ts";
import type {
  ChangeOptions,
  ChangeResult,
  ConfigManager,
  ApplyMode as Mode,
} from "../config/config-manager.ts";
import { applyJsonPatch, applyMergePatch, parseMergePatch } from "../config/config-patch.ts";
import type { DaemonContext } from "../daemon-context.ts";

const modes: Record<ApplyMode, Mode> = {
  [ApplyMode.UNSPECIFIED]: "no-reboot",
  [ApplyMode.NO_REBOOT]: "no-reboot",
  [ApplyMode.REBOOT]: "reboot",
  [ApplyMode.STAGED]: "staged",
  [ApplyMode.TRY]: "try",
};

function manager(ctx: DaemonContext): ConfigManager {
  if (!ctx.configs)
    throw new BasaltError("unavailable", "the config service is not ready yet", {
      hint: "try again in a moment",
    });
  return ctx.configs;
}

function options(
  ctx: DaemonContext,
  call: HandlerContext,
  req: { mode: ApplyMode; dryRun: boolean; tryTimeoutSeconds: number },
): ChangeOptions {
  const mode = modes[req.mode];
  if (!mode) throw new BasaltError("invalid_argument", `unknown apply mode ${req.mode}`);
  // The audit line says how the config was changed (the diff itself is in the config history).
  ctx.audit.target({ contextValues: call.values }, `mode=${mode}${req.dryRun ? " dry-run" : ""}`);
  const peer = call.values.get(peerKey);
  return {
    mode,
    dryRun: req.dryRun,
    tryTimeoutSeconds: req.tryTimeoutSeconds,
    who: { by: peer?.commonName ?? "", serial: peer?.serial ?? "" },
  };
}

function parseDocument(text: string): unknown {
  if (!text.trim())
    throw new BasaltError("invalid_argument", "no machine config given", {
      hint: "send the whole config as YAML",
    });
  try {
    return parseYaml(text);
  } catch (err) {
    throw new BasaltError("invalid_argument", `machine config is not valid YAML: ${(err as Error).message}`);
  }
}

function toResult(r: ChangeResult) {
  return create(ConfigApplyResultSchema, {
    changes: r.changes.map((c) => ({ ...showChange(c), live: c.live })),
    diff: r.diff,
    yaml: r.yaml,
    mode: r.mode,
    dryRun: r.dryRun,
    version: BigInt(r.version),
    message: r.message,
    ...(r.tryDeadline ? { tryDeadline: timestampFromDate(r.tryDeadline) } : {}),
  });
}

/** Reads and changes the machine config (ConfigManager does the work; this maps the wire). */
export function configService(ctx: DaemonContext): ServiceImpl<typeof ConfigService> {
  return {
    async getConfig(_req, call) {
      const secrets = callerMaySeeSecrets(call);
      const c = manager(ctx).get(secrets);
      return {
        yaml: c.yaml,
        redacted: !secrets,
        version: BigInt(c.version),
        stagedPending: c.stagedPending,
        ...(c.tryDeadline ? { tryDeadline: timestampFromDate(c.tryDeadline) } : {}),
      };
    },
    async applyConfig(req, call) {
      const doc = parseDocument(req.yaml);
      return { result: toResult(await manager(ctx).apply(doc, options(ctx, call, req))) };
    },
    async patchConfig(req, call) {
      const p = req.patch;
      if (p.case === "mergePatch") {
        const patch = parseMergePatch(p.value);
        return {
          result: toResult(
            await manager(ctx).patch((base) => applyMergePatch(base, patch), options(ctx, call, req)),
          ),
        };
      }
      if (p.case === "jsonPatch") {
        const text = p.value;
        return {
          result: toResult(
            await manager(ctx).patch((base) => applyJsonPatch(base, text), options(ctx, call, req)),
          ),
        };
      }
      throw new BasaltError("invalid_argument", "no patch given", {
        hint: "send merge_patch (RFC 7396) or json_patch (RFC 6902)",
      });
    },
    async configHistory() {
      const entries = await manager(ctx).history();
      return {
        entries: entries.map((e) => ({
          version: BigInt(e.version),
          time: timestampFromDate(new Date(e.time)),
          by: e.by,
          serial: e.serial,
          mode: e.mode,
          paths: e.paths,
          current: e.current,
          note: e.note,
        })),
      };
    },
    async configRollback(req, call) {
      if (req.version === 0n)
        throw new BasaltError("invalid_argument", "which version?", { hint: "see basaltctl config history" });
      return { result: toResult(await manager(ctx).rollback(Number(req.version), options(ctx, call, req))) };
    },
    async confirmConfig(_req, call) {
      const peer = call.values.get(peerKey);
      const r = await manager(ctx).confirm({ by: peer?.commonName ?? "", serial: peer?.serial ?? "" });
      return { version: BigInt(r.version), message: r.message };
    },
  };
}
