import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileLines } from "./file-lines.ts";

const dir = mkdtempSync(join(tmpdir(), "file-lines-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(path: string, tail: number) {
  const out: string[] = [];
  for await (const l of fileLines(path, { tail, follow: false, signal: new AbortController().signal }))
    out.push(l);
  return out;
}

test("the last N lines, across read blocks, with or without a final newline", async () => {
  const path = join(dir, "a.log");
  const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${"x".repeat(i % 50)}`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  assert.deepEqual(await collect(path, 3), lines.slice(-3));
  assert.deepEqual(await collect(path, 5000), lines.slice(-5000));
  assert.equal((await collect(path, 0)).length, 20_000);
  assert.deepEqual(await collect(path, 50_000), lines, "more than the file has: all of it");
  writeFileSync(path, "a\nb\nunfinished");
  assert.deepEqual(await collect(path, 2), ["b", "unfinished"]);
  writeFileSync(path, "");
  assert.deepEqual(await collect(path, 2), []);
});

test("follow: appended lines arrive; a truncated file is read from its start", async () => {
  const path = join(dir, "b.log");
  writeFileSync(path, "one\ntwo\n");
  const ac = new AbortController();
  const seen: string[] = [];
  const reading = (async () => {
    for await (const l of fileLines(path, { tail: 1, follow: true, signal: ac.signal, pollMs: 20 })) {
      seen.push(l);
      if (l === "three") writeFileSync(path, "fresh\n");
      if (l === "fresh") ac.abort();
    }
  })();
  await new Promise((r) => setTimeout(r, 100));
  appendFileSync(path, "thr");
  await new Promise((r) => setTimeout(r, 100));
  appendFileSync(path, "ee\n");
  await reading;
  assert.deepEqual(seen, ["two", "three", "fresh"]);
});
