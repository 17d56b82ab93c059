import assert from "node:assert/strict";
import { test } from "node:test";
import { assessBoot } from "./boot-assessment.ts";
import { parseEntry } from "./boot-entries.ts";
import type { SlotEntry } from "./slot-entries.ts";
import { slotStatuses } from "./slot-status.ts";

const entry = (file: string, slot: "A" | "B"): SlotEntry => ({ ...parseEntry(file)!, slot });
const state = { failedAttempts: [], rolledBackFrom: [] };

test("a healthy first boot of a new version is blessed", () => {
  const actions = assessBoot({
    entries: [entry("basalt-1.0.0.efi", "A"), entry("basalt-2.0.0+2-1.efi", "B")],
    booted: { slot: "B", version: "2.0.0" },
    bootCountPath: "\\EFI\\Linux\\basalt-2.0.0+2-1.efi",
    state,
  });
  assert.deepEqual(actions, [
    { kind: "bless", from: "basalt-2.0.0+2-1.efi", to: "basalt-2.0.0.efi", reason: "2.0.0 booted healthy" },
  ]);
});

test("after a fallback: the exhausted version is reported and removed", () => {
  const actions = assessBoot({
    entries: [entry("basalt-2.0.0.efi", "B"), entry("basalt-3.0.0+0-3.efi", "A")],
    booted: { slot: "B", version: "2.0.0" },
    bootCountPath: undefined,
    state,
  });
  assert.deepEqual(
    actions.map((a) => a.kind),
    ["record-failure", "remove"],
  );
  assert.match(actions[0]!.reason, /3\.0\.0 did not become healthy in 3 tries; back on 2\.0\.0/);
});

test("a version rolled back on purpose stays as a fallback", () => {
  const actions = assessBoot({
    entries: [entry("basalt-1.0.0.efi", "A"), entry("basalt-2.0.0+0-1.efi", "B")],
    booted: { slot: "A", version: "1.0.0" },
    bootCountPath: undefined,
    state: { failedAttempts: [], rolledBackFrom: ["2.0.0"] },
  });
  assert.deepEqual(actions, []);
});

test("slot states", () => {
  const s = slotStatuses([entry("basalt-1.0.0.efi", "A"), entry("basalt-2.0.0+3.efi", "B")], {
    slot: "A",
    version: "1.0.0",
  });
  assert.deepEqual(
    s.map((x) => `${x.slot}:${x.version}:${x.state}`),
    ["A:1.0.0:booted", "B:2.0.0:pending"],
  );
  assert.equal(slotStatuses([], { slot: "A", version: "1.0.0" })[1]!.state, "empty");
  assert.equal(
    slotStatuses([entry("basalt-3.0.0+0-3.efi", "B")], { slot: "A", version: "1.0.0" })[1]!.state,
    "exhausted",
  );
});
