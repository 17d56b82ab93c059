import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { lineSplitter, RotatingLog } from "./rotating-log.ts";

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
