import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tailLines } from "./log-tail.ts";

const collect = async (it: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
};

test("the tail of a huge log is read from its end, not the whole file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-tail-"));
  try {
    const path = join(dir, "big.log");
    // 700 MiB, sparse: reading it whole would not even fit in one JavaScript string.
    writeFileSync(path, "");
    truncateSync(path, 700 * 1024 * 1024);
    const fd = openSync(path, "a");
    writeSync(fd, "\nfirst\nsecond\nthird\n");
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const lines = await collect(tailLines(path, { follow: false, signal: AbortSignal.abort(), tail: 2 }));
    assert.deepEqual(lines, ["second", "third"]);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, "the tail read more than a few chunks");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("tails: all lines, fewer lines than asked, no final newline, lines across chunks", async () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-tail-"));
  try {
    const path = join(dir, "a.log");
    const long = "x".repeat(100_000);
    writeFileSync(path, `one\n${long}\nthree`);
    const signal = AbortSignal.abort();
    assert.deepEqual(await collect(tailLines(path, { follow: false, signal, tail: 0 })), [
      "one",
      long,
      "three",
    ]);
    assert.deepEqual(await collect(tailLines(path, { follow: false, signal, tail: 2 })), [long, "three"]);
    assert.deepEqual(await collect(tailLines(path, { follow: false, signal, tail: 10 })), [
      "one",
      long,
      "three",
    ]);
    writeFileSync(path, "");
    assert.deepEqual(await collect(tailLines(path, { follow: false, signal, tail: 3 })), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("follow yields lines appended later and stops on abort", async () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-tail-"));
  try {
    const path = join(dir, "f.log");
    writeFileSync(path, "old\n");
    const controller = new AbortController();
    const it = tailLines(path, { follow: true, signal: controller.signal, tail: 1, pollMs: 10 });
    assert.deepEqual((await it.next()).value, "old");
    const fd = openSync(path, "a");
    writeSync(fd, "new\n");
    closeSync(fd);
    assert.deepEqual((await it.next()).value, "new");
    controller.abort();
    assert.equal((await it.next()).done, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
