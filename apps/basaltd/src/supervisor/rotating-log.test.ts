import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type LogTrouble, lineSplitter, RotatingLog } from "./rotating-log.ts";

test("rotates by size and keeps only `keep` old files", () => {
  const dir = mkdtempSync(join(tmpdir(), "rotlog-"));
  try {
    const log = new RotatingLog(join(dir, "svc.log"), { maxBytes: 100, keep: 2 });
    for (let i = 0; i < 20; i++) log.write(`line ${String(i).padStart(2, "0")} ${"x".repeat(30)}\n`);
    log.close();
    assert.ok(existsSync(join(dir, "svc.log.1")));
    assert.ok(existsSync(join(dir, "svc.log.2")));
    assert.ok(!existsSync(join(dir, "svc.log.3")));
    assert.match(readFileSync(join(dir, "svc.log"), "utf8"), /line 19/);
    assert.ok(readFileSync(join(dir, "svc.log"), "utf8").length <= 100);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("line splitter keeps partial lines until complete", () => {
  const lines: string[] = [];
  const s = lineSplitter((l) => lines.push(l));
  s.push(Buffer.from("a\nb"));
  s.push(Buffer.from("c\nd"));
  assert.deepEqual(lines, ["a", "bc"]);
  s.flush();
  assert.deepEqual(lines, ["a", "bc", "d"]);
});

test("a write that fails (full disk) drops the line, never throws, and reports start and end", () => {
  const dir = mkdtempSync(join(tmpdir(), "rotlog-"));
  try {
    const troubles: LogTrouble[] = [];
    // /dev/full answers every write with ENOSPC, like a full STATE partition.
    const full = new RotatingLog("/dev/full", {
      maxBytes: 1 << 20,
      keep: 1,
      onTrouble: (t) => troubles.push(t),
    });
    for (let i = 0; i < 5; i++) full.write(`line ${i}\n`);
    assert.equal(full.dropped, 5);
    assert.deepEqual(troubles, [{ kind: "dropping", path: "/dev/full", error: "ENOSPC" }]);
    full.close();
    // A directory that cannot be created: the log starts anyway and drops lines until it can.
    const blocked = join(dir, "file-not-dir");
    writeFileSync(blocked, "");
    const later = new RotatingLog(join(blocked, "svc.log"), {
      maxBytes: 1 << 20,
      keep: 1,
      onTrouble: (t) => troubles.push(t),
    });
    later.write("lost\n");
    assert.equal(later.dropped, 1);
    rmSync(blocked);
    later.write("kept\n");
    assert.equal(readFileSync(join(blocked, "svc.log"), "utf8"), "kept\n");
    assert.deepEqual(troubles.at(-1), { kind: "recovered", path: join(blocked, "svc.log"), dropped: 1 });
    later.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
