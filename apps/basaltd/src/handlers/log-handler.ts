import { join } from "node:path";
import type { LogService } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { DaemonContext } from "../daemon-context.ts";
import { parseKmsgRecord } from "../node-info/proc-parsers.ts";
import { tailLines } from "./log-tail.ts";

/** Service logs captured by the supervisor (and basaltd's own), and the kernel's ring buffer. */
export function logService(ctx: DaemonContext): ServiceImpl<typeof LogService> {
  return {
    async *logs(req, call) {
      const known = ["basaltd", ...ctx.supervisor.names()];
      if (!known.includes(req.service)) {
        throw new BasaltError(
          req.service ? "not_found" : "invalid_argument",
          `no logs for "${req.service}"`,
          {
            hint: `logs exist for: ${known.join(", ")}`,
          },
        );
      }
      const path = join(ctx.config.paths.logs, `${req.service}.log`);
      try {
        for await (const line of tailLines(path, {
          tail: req.tail,
          follow: req.follow,
          signal: call.signal,
        })) {
          yield { line };
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
          throw new BasaltError("not_found", `${req.service} has not written a log yet`);
        }
        throw err;
      }
    },
    async *dmesg(req, call) {
      const uptime = Number((await ctx.host.readText("/proc/uptime")).split(" ")[0]);
      const bootTimeMs = Date.now() - uptime * 1000;
      const toMessage = (r: string) => {
        const p = parseKmsgRecord(r, bootTimeMs);
        return {
          time: timestampFromDate(new Date(p.timeMs)),
          facility: p.facility,
          priority: p.priority,
          message: p.message,
        };
      };
      const records = ctx.host.kmsg(req.follow, call.signal);
      try {
        if (req.tail > 0 && !req.follow) {
          const all: string[] = [];
          for await (const r of records) all.push(r);
          for (const r of all.slice(-req.tail)) yield toMessage(r);
          return;
        }
        for await (const r of records) yield toMessage(r);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EACCES" || code === "EPERM") {
          throw new BasaltError("failed_precondition", "basaltd may not read /dev/kmsg on this machine", {
            hint: "run basaltd as root or with CAP_SYSLOG",
          });
        }
        throw err;
      }
    },
  };
}
