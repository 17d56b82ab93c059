import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  emptyUpgradeState,
  fileStateStore,
  updateUpgradeState,
  withRolledBackFrom,
  withSecurityFloor,
} from "./upgrade-state.ts";

test("a missing file is the empty state; saved state reads back whole", async () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-state-"));
  try {
    const store = fileStateStore(join(dir, "lib", "upgrade-state.json"));
    assert.deepEqual(await store.load(), emptyUpgradeState());
    await updateUpgradeState(store, (s) => withSecurityFloor(withRolledBackFrom(s, ["2.0.0"]), "1.5.0"));
    const back = await store.load();
    assert.deepEqual(back.rolledBackFrom, ["2.0.0"]);
    assert.equal(back.securityFloor, "1.5.0");
    assert.equal(withSecurityFloor(back, "1.4.0").securityFloor, "1.5.0", "a floor never goes down");
    assert.deepEqual(withRolledBackFrom(back, ["2.0.0", "3.0.0"]).rolledBackFrom, ["2.0.0", "3.0.0"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a corrupted or unreadable file is reported, never taken as empty", async () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-state-"));
  try {
    const path = join(dir, "upgrade-state.json");
    const store = fileStateStore(path);
    writeFileSync(path, '{"failedAttempts": [{"version": "2.0');
    await assert.rejects(store.load(), /upgrade state .* is unreadable: not valid JSON/);
    writeFileSync(path, "[]");
    await assert.rejects(store.load(), /unreadable: not a JSON object/);
    writeFileSync(path, '{"rolledBackFrom": "2.0.0"}');
    await assert.rejects(store.load(), /rolledBackFrom is not a list/);
    rmSync(path);
    mkdirSync(path);
    await assert.rejects(store.load(), /unreadable: EISDIR/);
  } finally {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("save replaces the file atomically and leaves no temporary behind", async () => {
  const dir = mkdtempSync(join(tmpdir(), "basalt-state-"));
  try {
    const path = join(dir, "upgrade-state.json");
    const store = fileStateStore(path);
    writeFileSync(`${path}.tmp`, "half a write from before a power cut");
    await store.save({ ...emptyUpgradeState(), rolledBackFrom: ["1.0.0"] });
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")).rolledBackFrom, ["1.0.0"]);
    assert.throws(() => readFileSync(`${path}.tmp`), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
