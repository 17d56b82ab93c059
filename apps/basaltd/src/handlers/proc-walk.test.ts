import assert from "node:assert/strict";
import { test } from "node:test";
import type { DaemonContext } from "../daemon-context.ts";
import type { Host } from "../host.ts";
import { socketOwners, socketWalkLimits } from "./network-handler.ts";
import { maxArgsBytes, maxProcesses, nodeService } from "./node-handler.ts";

/** A /proc with far more processes and descriptors than any real node, counting what is read. */
function hugeProc() {
  const reads = { texts: 0, dirs: 0, links: 0, maxAsked: 0 };
  const pids = Array.from({ length: 100_000 }, (_, i) => String(i + 1));
  const host = {
    pageSize: 4096,
    clockTicks: 100,
    async readDir(path: string) {
      reads.dirs++;
      if (path === "/proc") return [...pids, "self", "meminfo"];
      return Array.from({ length: 1000 }, (_, i) => String(i));
    },
    async readText(path: string, maxBytes?: number) {
      reads.texts++;
      reads.maxAsked = Math.max(reads.maxAsked, maxBytes ?? Number.POSITIVE_INFINITY);
      if (path.endsWith("/stat"))
        return `${path.split("/")[2]} (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 1 1000 10`;
      if (path.endsWith("/cmdline")) return "x\\0";
      return "x";
    },
    async readLink() {
      reads.links++;
      return "socket:[1]";
    },
  } as unknown as Host;
  return { host, reads };
}

test("the process list is bounded, and command lines are read only in part", async () => {
  const { host, reads } = hugeProc();
  const service = nodeService({ host } as DaemonContext);
  const res = await (service.processes as (r: object, c: object) => Promise<{ processes: unknown[] }>)(
    {},
    {
      values: { get: () => undefined },
    },
  );
  assert.equal(res.processes.length, maxProcesses);
  assert.ok(reads.texts <= 2 * maxProcesses, `${reads.texts} reads`);
  assert.ok(reads.maxAsked <= maxArgsBytes, "a /proc file was read without a bound");
});

test("the socket-owner walk is bounded in processes and descriptors", async () => {
  const { host, reads } = hugeProc();
  await socketOwners(host);
  assert.ok(reads.links <= socketWalkLimits.descriptors, `${reads.links} links read`);
  assert.ok(reads.dirs <= socketWalkLimits.processes + 1, `${reads.dirs} directories read`);
});
