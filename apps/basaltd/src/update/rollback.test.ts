import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEntry } from "./boot-entries.ts";
import { planRollback } from "./rollback.ts";
import type { SlotEntry } from "./slot-entries.ts";

const entry = (file: string, slot: "A" | "B"): SlotEntry => ({ ...parseEntry(file)!, slot });

test("rolling back marks the running entry exhausted so the other boots next", () => {
  const p = planRollback([entry("basalt-1.0.0.efi", "A"), entry("basalt-2.0.0.efi", "B")], {
    slot: "B",
    version: "2.0.0",
  });
  assert.deepEqual(p.renames, [{ from: "basalt-2.0.0.efi", to: "basalt-2.0.0+0-1.efi" }]);
  assert.equal(p.version, "1.0.0");
  assert.equal(p.slot, "A");
});

test("an exhausted entry in the other slot gets fresh tries", () => {
  const p = planRollback([entry("basalt-1.0.0.efi", "A"), entry("basalt-2.0.0+0-3.efi", "B")], {
    slot: "A",
    version: "1.0.0",
  });
  assert.deepEqual(p.renames, [
    { from: "basalt-1.0.0.efi", to: "basalt-1.0.0+0-1.efi" },
    { from: "basalt-2.0.0+0-3.efi", to: "basalt-2.0.0+3.efi" },
  ]);
});

test("nothing to roll back to is refused", () => {
  assert.throws(
    () => planRollback([entry("basalt-1.0.0.efi", "A")], { slot: "A", version: "1.0.0" }),
    /slot B holds nothing bootable/,
  );
});
