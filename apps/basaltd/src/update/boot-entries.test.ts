import assert from "node:assert/strict";
import { test } from "node:test";
import type { BundleManifest } from "@basalt/machinery";
import {
  blessedName,
  exhaustedName,
  fileFromBootCountPath,
  freshEntryName,
  parseEntry,
} from "./boot-entries.ts";
import { checkCompatibility } from "./compatibility.ts";

test("entry names with and without boot counters", () => {
  assert.deepEqual(parseEntry("basalt-1.2.0+3.efi"), {
    file: "basalt-1.2.0+3.efi",
    version: "1.2.0",
    left: 3,
    done: 0,
  });
  assert.deepEqual(parseEntry("basalt-1.2.0+0-3.efi")?.left, 0);
  assert.equal(parseEntry("basalt-1.2.0.efi")?.left, undefined);
  assert.equal(parseEntry("basalt-1.2.0-rc.1+2-1.efi")?.version, "1.2.0-rc.1");
  assert.equal(parseEntry(".basalt-1.2.0.partial"), undefined);
  assert.equal(parseEntry("other.efi"), undefined);
  const e = parseEntry("basalt-2.0.0+1-2.efi")!;
  assert.equal(blessedName(e), "basalt-2.0.0.efi");
  assert.equal(exhaustedName(e), "basalt-2.0.0+0-2.efi");
  assert.equal(freshEntryName("2.0.0"), "basalt-2.0.0+3.efi");
  assert.equal(fileFromBootCountPath("\\EFI\\Linux\\basalt-2.0.0+1-2.efi"), "basalt-2.0.0+1-2.efi");
});

const manifest = (version: string, minUpgradeFrom = "0.0.1", arch: "x86_64" | "aarch64" = "x86_64") =>
  ({ version, minUpgradeFrom, arch }) as BundleManifest;

test("compatibility: arch, minimum source version, downgrades and reinstalls need force", () => {
  const node = { version: "1.0.0", arch: "x86_64" };
  const cases: [BundleManifest, boolean, boolean, RegExp][] = [
    [manifest("1.1.0"), false, true, /upgrade 1\.0\.0 → 1\.1\.0/],
    [manifest("1.1.0", "0.0.1", "aarch64"), false, false, /for aarch64, this node is x86_64/],
    [manifest("2.0.0", "1.5.0"), false, false, /only from 1\.5\.0 or newer/],
    [manifest("0.9.0"), false, false, /a downgrade/],
    [manifest("0.9.0"), true, true, /forced downgrade/],
    [manifest("1.0.0"), false, false, /already running/],
    [manifest("1.0.0"), true, false, /already running/],
  ];
  for (const [m, force, ok, reason] of cases) {
    const c = checkCompatibility(m, node, force);
    assert.equal(c.ok, ok, c.reason);
    assert.match(c.reason, reason);
  }
});
