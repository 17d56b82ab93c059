import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { basaltMarks, stampLines, timeline, timelineRows } from "./console-timeline.ts";

test("console lines are split across chunks, stripped of escape sequences and stamped", async () => {
  const s = new PassThrough();
  const lines = stampLines(performance.now(), s);
  s.write('\x1b[2J\x1b[01;01HBdsDxe: loading Boot0001 "UEFI Misc"\r\nbasalt-initramfs: up');
  s.write("time 2.16 s\r\n");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    lines.map((l) => l.line),
    ['BdsDxe: loading Boot0001 "UEFI Misc"', "basalt-initramfs: uptime 2.16 s"],
  );
  assert.ok(lines.every((l) => l.ms >= 0));
});

test("a timeline takes each mark's first line, and rows step from the previous mark that showed", () => {
  const points = timeline(
    [
      { ms: 2500, line: "BdsDxe: starting Boot0001" },
      { ms: 5000, line: "basalt-initramfs: uptime 2.1 s" },
      { ms: 6000, line: "basalt-initramfs: switching to basaltd at uptime 2.7 s" },
      { ms: 9000, line: "basaltd: [mounts] mounted /run (280 ms)" },
      { ms: 9900, line: "basaltd: [mounts] again" },
    ],
    basaltMarks,
  );
  assert.deepEqual(
    points.map((p) => p.ms),
    [2500, 5000, 6000, 9000, undefined, undefined],
  );
  const rows = timelineRows(points, { name: "answered", ms: 11000 });
  assert.equal(rows[3]!.DELTA, "+3.00 s");
  assert.equal(rows[4]!.AT, "-");
  assert.deepEqual(rows.at(-1), { STEP: "answered", AT: "11.00 s", DELTA: "+2.00 s" });
});
