import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { writeDurably } from "./init-host-linux.ts";

test("a durable write replaces the file whole, root-only, and leaves no temporary behind", () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-durable-"));
  try {
    const path = join(dir, "machine.yaml");
    writeFileSync(path, "old: 1\n");
    writeDurably(path, "node: { name: a }\n");
    assert.equal(readFileSync(path, "utf8"), "node: { name: a }\n");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ["machine.yaml"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
