import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeHexAddress, parseRoutes4, parseRoutes6, parseSocketTable } from "./net-parsers.ts";
import {
  parseCpuinfo,
  parseKmsgRecord,
  parseLoadavg,
  parseMeminfo,
  parseMountinfo,
  parseOsRelease,
  parseProcStat,
} from "./proc-parsers.ts";

/** Text as /proc could hand it over, and worse: any characters, lines, separators. */
const procText = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: "binary", maxLength: 400 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(" ", "\t", "\n", ":", "(", ")", " - ", ",", ";", "\\040", "kB", "0A"),
        fc.string({ maxLength: 8 }),
      ),
      {
        maxLength: 80,
      },
    )
    .map((parts) => parts.join("")),
);

test("property: the /proc and /proc/net parsers never throw, whatever the text", () => {
  fc.assert(
    fc.property(procText, (text) => {
      parseMeminfo(text);
      parseLoadavg(text);
      parseCpuinfo(text);
      parseProcStat(text, 4096, 100);
      parseMountinfo(text);
      parseOsRelease(text);
      parseKmsgRecord(text, 0);
      parseSocketTable(text, "tcp");
      parseSocketTable(text, "udp6");
      parseRoutes4(text);
      parseRoutes6(text);
    }),
    { numRuns: 3000 },
  );
});

test("property: /proc/<pid>/stat is read right whatever name the process gave itself", () => {
  // A process picks its own name (prctl PR_SET_NAME, up to 15 bytes): spaces and parentheses included.
  const comm = fc.string({ minLength: 0, maxLength: 15 }).filter((s) => !s.includes("\n"));
  fc.assert(
    fc.property(
      comm,
      fc.nat(),
      fc.nat(),
      fc.nat({ max: 10_000 }),
      fc.nat({ max: 1_000_000 }),
      (name, pid, ppid, threads, rss) => {
        const fields = ["S", ppid, 1, 1, 0, -1, 0, 0, 0, 0, 0, 7, 3, 0, 0, 20, 0, threads, 0, 1, 123456, rss];
        const p = parseProcStat(`${pid} (${name}) ${fields.join(" ")}\n`, 4096, 100);
        assert.equal(p.pid, pid);
        assert.equal(p.command, name);
        assert.equal(p.ppid, ppid);
        assert.equal(p.threads, threads);
        assert.equal(p.rssBytes, rss * 4096);
        assert.equal(p.cpuTimeMs, 100);
      },
    ),
    { numRuns: 2000 },
  );
});

test("property: little-endian hex addresses decode to the address they encode", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
      const hex = Buffer.from(b).reverse().toString("hex").toUpperCase();
      assert.equal(decodeHexAddress(hex), Array.from(b).join("."));
    }),
  );
});

test("property: a kmsg record's message and priority survive any text", () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 191 }),
      fc.nat(),
      fc.string({ maxLength: 200 }).filter((s) => !s.includes("\n")),
      (pf, usec, message) => {
        const r = parseKmsgRecord(`${pf},1,${usec},-;${message}\n SUBSYSTEM=x`, 1000);
        assert.equal(r.message, message);
        assert.equal(r.timeMs, 1000 + usec / 1000);
        assert.ok(
          ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"].includes(r.priority),
        );
      },
    ),
  );
});
