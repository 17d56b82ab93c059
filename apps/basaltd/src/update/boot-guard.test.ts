import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { espDirectory } from "../adapters/linux/esp-dir.ts";
import { guardBoot } from "./boot-guard.ts";
import { fakeUki } from "./test-support/fake-uki.ts";
import type { UpdateSystem } from "./update-system.ts";
import { memoryStateStore } from "./upgrade-state.ts";

function system(
  files: Record<string, "A" | "B">,
  bootCountPath: string | undefined,
  booted: { slot: "A" | "B"; version: string },
) {
  const dir = mkdtempSync(join(tmpdir(), "basalt-guard-"));
  mkdirSync(join(dir, "esp"));
  for (const [f, slot] of Object.entries(files))
    writeFileSync(join(dir, "esp", f), fakeUki(`basalt.slot=${slot}`));
  const state = memoryStateStore();
  const update: UpdateSystem = {
    esp: espDirectory(join(dir, "esp")),
    slots: { write: async () => "", capacity: async () => 0 },
    booted: { ...booted, arch: "x86_64" },
    state,
    bootCountPath: async () => bootCountPath,
  };
  return { dir, update, state, list: () => readdirSync(join(dir, "esp")).sort() };
}

test("a healthy new version is blessed", async () => {
  const s = system(
    { "basalt-1.0.0.efi": "A", "basalt-2.0.0+2-1.efi": "B" },
    "\\EFI\\Linux\\basalt-2.0.0+2-1.efi",
    { slot: "B", version: "2.0.0" },
  );
  const result = await guardBoot({
    update: s.update,
    health: () => ({ healthy: true, reason: "" }),
    deadlineMs: 1000,
    reboot: () => assert.fail(),
    report: () => {},
  });
  assert.equal(result, "blessed");
  assert.deepEqual(s.list(), ["basalt-1.0.0.efi", "basalt-2.0.0.efi"]);
  rmSync(s.dir, { recursive: true });
});

test("an unhealthy new version reboots at the deadline and is not blessed", async () => {
  const s = system(
    { "basalt-1.0.0.efi": "A", "basalt-2.0.0+2-1.efi": "B" },
    "\\EFI\\Linux\\basalt-2.0.0+2-1.efi",
    { slot: "B", version: "2.0.0" },
  );
  let rebooted = "";
  const result = await guardBoot({
    update: s.update,
    health: () => ({ healthy: false, reason: "containerd unhealthy" }),
    deadlineMs: 100,
    pollMs: 20,
    reboot: (why) => {
      rebooted = why;
    },
    report: () => {},
  });
  assert.equal(result, "rebooting");
  assert.match(rebooted, /2\.0\.0 unhealthy: containerd unhealthy/);
  assert.deepEqual(s.list(), ["basalt-1.0.0.efi", "basalt-2.0.0+2-1.efi"]);
  rmSync(s.dir, { recursive: true });
});

test("back on the old version: the failed attempt is recorded and its entry removed", async () => {
  const s = system({ "basalt-1.0.0.efi": "A", "basalt-2.0.0+0-3.efi": "B" }, undefined, {
    slot: "A",
    version: "1.0.0",
  });
  await guardBoot({
    update: s.update,
    health: () => ({ healthy: true, reason: "" }),
    deadlineMs: 1000,
    reboot: () => assert.fail(),
    report: () => {},
  });
  assert.deepEqual(s.list(), ["basalt-1.0.0.efi"]);
  const state = await s.state.load();
  assert.equal(state.failedAttempts.length, 1);
  assert.equal(state.failedAttempts[0]!.version, "2.0.0");
  assert.equal(state.failedAttempts[0]!.tries, 3);
  rmSync(s.dir, { recursive: true });
});

test("the deadline runs on a monotonic clock: a wall-clock jump does not cut the probation short", async () => {
  const s = system(
    { "basalt-1.0.0.efi": "A", "basalt-2.0.0+2-1.efi": "B" },
    "\\EFI\\Linux\\basalt-2.0.0+2-1.efi",
    { slot: "B", version: "2.0.0" },
  );
  const realNow = Date.now;
  let polls = 0;
  try {
    const result = await guardBoot({
      update: s.update,
      health: () => {
        // NTP steps the wall clock a day ahead while the node is still coming up.
        if (++polls === 2) Date.now = () => realNow() + 86_400_000;
        return { healthy: polls >= 4, reason: "containerd starting" };
      },
      deadlineMs: 5000,
      pollMs: 10,
      reboot: () => assert.fail("rebooted because the wall clock jumped"),
      report: () => {},
    });
    assert.equal(result, "blessed");
  } finally {
    Date.now = realNow;
    rmSync(s.dir, { recursive: true });
  }
});

test("an unreadable upgrade state is reported, not taken as empty: bless only, nothing removed", async () => {
  const s = system(
    { "basalt-1.0.0.efi": "A", "basalt-2.0.0+0-3.efi": "B", "basalt-3.0.0+1-2.efi": "A" },
    "\\EFI\\Linux\\basalt-3.0.0+1-2.efi",
    {
      slot: "A",
      version: "3.0.0",
    },
  );
  const reports: string[] = [];
  const saved: unknown[] = [];
  s.update.state = {
    load: async () => {
      throw new Error("the upgrade state /var/lib/basalt/upgrade-state.json is unreadable: EIO");
    },
    save: async (st) => void saved.push(st),
  };
  const result = await guardBoot({
    update: s.update,
    health: () => ({ healthy: true, reason: "" }),
    deadlineMs: 1000,
    reboot: () => assert.fail(),
    report: (m) => void reports.push(m),
  });
  assert.equal(result, "blessed");
  assert.ok(
    reports.some((r) => /unreadable: EIO: blessing only/.test(r)),
    reports.join("\n"),
  );
  assert.deepEqual(s.list(), ["basalt-1.0.0.efi", "basalt-2.0.0+0-3.efi", "basalt-3.0.0.efi"]);
  assert.deepEqual(saved, [], "the unreadable file was overwritten");
});
