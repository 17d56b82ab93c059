import type { AuditService } from "@basalt/api";
import { BasaltError, isRole } from "@basalt/machinery";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { DaemonContext } from "../daemon-context.ts";

const maxTail = 10_000;

/** The audit trail, filtered (since, role, refused), last N, optionally followed. Admin only. */
export function auditService(ctx: DaemonContext): ServiceImpl<typeof AuditService> {
  return {
    async *audit(req, call) {
      if (req.role && !isRole(req.role)) {
        throw new BasaltError("invalid_argument", "unknown role filter", {
          hint: "use os:admin, os:operator or os:reader",
        });
      }
      const tail = Math.min(req.tail || 100, maxTail);
      for await (const r of ctx.audit.query({
        sinceMs: req.sinceSeconds > 0 ? Date.now() - req.sinceSeconds * 1000 : 0,
        role: req.role,
        refused: req.refused,
        tail,
        follow: req.follow,
        signal: call.signal,
      })) {
        yield {
          time: timestampFromDate(new Date(r.time)),
          subject: r.subject,
          serial: r.serial,
          role: r.role,
          rpc: r.rpc,
          target: r.target,
          result: r.result,
          reason: r.reason,
          address: r.address,
          durationMs: r.durationMs,
        };
      }
    },
  };
}
