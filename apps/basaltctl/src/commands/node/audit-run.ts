import { AuditResponseSchema, AuditService } from "@basalt/api";
import { BasaltError, isRole } from "@basalt/machinery";
import type { Invocation } from "../../cli/command.ts";
import { time } from "../../output/format.ts";
import { nodeCall } from "./node-call.ts";

/** "90s", "15m", "1h", "2d" → seconds. */
export function parseSince(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  if (!m) {
    throw new BasaltError("invalid_argument", `--since ${text}: expected a duration like 90s, 15m, 1h or 2d`);
  }
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as "s" | "m" | "h" | "d"];
}

function request(inv: Invocation): Record<string, unknown> {
  const role = inv.values.role as string | undefined;
  if (role !== undefined && !isRole(role)) {
    throw new BasaltError("invalid_argument", `--role ${role}: expected os:admin, os:operator or os:reader`);
  }
  const tailText = inv.values.tail as string | undefined;
  const tail = tailText === undefined ? 100 : Number(tailText);
  if (!Number.isInteger(tail) || tail < 1 || tail > 10_000) {
    throw new BasaltError("invalid_argument", "--tail must be a whole number from 1 to 10000");
  }
  const since = inv.values.since as string | undefined;
  return {
    follow: inv.values.follow === true,
    sinceSeconds: since === undefined ? 0 : parseSince(since),
    role: role ?? "",
    refused: inv.values.refused === true,
    tail,
  };
}

export const audit = nodeCall({
  service: AuditService,
  method: "audit",
  output: AuditResponseSchema,
  streaming: true,
  request,
  rows: (v) => [
    {
      TIME: time(v.time),
      SUBJECT: v.subject,
      ROLE: v.role,
      RPC: v.rpc.replace(/^basalt\.machine\.v1\./, ""),
      TARGET: v.target,
      RESULT: v.result,
      REASON: v.reason,
    },
  ],
});
