import {
  DmesgResponseSchema,
  EventService,
  EventsResponseSchema,
  FileService,
  ListResponseSchema,
  LogService,
  LogsResponseSchema,
  ReadResponseSchema,
} from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { Invocation } from "../../cli/command.ts";
import { bytes, time } from "../../output/format.ts";
import { nodeCall } from "./node-call.ts";

function tail(inv: Invocation): number {
  const t = inv.values.tail;
  if (t === undefined) return 0;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 0)
    throw new BasaltError("invalid_argument", "--tail must be a whole number of lines");
  return n;
}

function path(inv: Invocation, what: string): string {
  const p = inv.positionals[0];
  if (!p)
    throw new BasaltError("invalid_argument", `which ${what}?`, {
      hint: "give an absolute path, e.g. /proc/meminfo",
    });
  return p;
}

export const logs = nodeCall({
  service: LogService,
  method: "logs",
  output: LogsResponseSchema,
  streaming: true,
  request: (inv) => {
    const service = inv.positionals[0];
    if (!service)
      throw new BasaltError("invalid_argument", "which service?", {
        hint: "basaltctl logs containerd (or basaltd)",
      });
    return { service, follow: inv.values.follow === true, tail: tail(inv) };
  },
  rows: (v) => [{ LINE: v.line }],
});

export const dmesg = nodeCall({
  service: LogService,
  method: "dmesg",
  output: DmesgResponseSchema,
  streaming: true,
  request: (inv) => ({ follow: inv.values.follow === true, tail: tail(inv) }),
  rows: (v) => [{ TIME: time(v.time), LEVEL: v.priority, MESSAGE: v.message }],
});

export const events = nodeCall({
  service: EventService,
  method: "events",
  output: EventsResponseSchema,
  streaming: true,
  request: (inv) => ({ follow: inv.values.follow === true, tail: tail(inv) }),
  rows: (v) => [
    { ID: Number(v.id), TIME: time(v.time), KIND: v.kind, SUBJECT: v.subject, MESSAGE: v.message },
  ],
});

export const read = nodeCall({
  service: FileService,
  method: "read",
  output: ReadResponseSchema,
  streaming: true,
  request: (inv) => ({ path: path(inv, "file") }),
  rows: () => [],
  raw: (v) => v.data,
});

export const ls = nodeCall({
  service: FileService,
  method: "list",
  output: ListResponseSchema,
  request: (inv) => ({ path: path(inv, "directory") }),
  rows: (v) =>
    v.entries.map((e) => ({
      MODE: (e.mode & 0o7777).toString(8).padStart(4, "0"),
      TYPE: e.type,
      SIZE: e.type === "file" ? bytes(e.size) : "-",
      MODIFIED: time(e.modified),
      NAME: e.linkTarget ? `${e.name} -> ${e.linkTarget}` : e.name,
    })),
});
