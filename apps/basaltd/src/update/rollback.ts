import { BasaltError } from "@basalt/machinery";
import { exhaustedName, freshEntryName, type Slot } from "./boot-entries.ts";
import { otherSlot, type SlotEntry } from "./slot-entries.ts";

export interface RollbackPlan {
  /** Renames that make the other slot's version boot next. */
  renames: { from: string; to: string }[];
  version: string;
  slot: Slot;
  reason: string;
}

/**
 * Makes the other slot's version boot next without deleting anything: the running version's entry
 * gets an exhausted counter (systemd-boot sorts it last, and still falls back to it), and the other
 * slot's entry, if its tries ran out, gets three fresh ones. Refused when the other slot holds
 * nothing bootable.
 */
export function planRollback(
  entries: readonly SlotEntry[],
  booted: { slot: Slot; version: string },
): RollbackPlan {
  const target = otherSlot(booted.slot);
  const other = entries.find((e) => e.slot === target);
  if (!other) {
    throw new BasaltError(
      "failed_precondition",
      `slot ${target} holds nothing bootable: there is no version to roll back to`,
    );
  }
  const renames: RollbackPlan["renames"] = [];
  for (const e of entries.filter((x) => x.slot === booted.slot)) {
    const to = exhaustedName(e);
    if (to !== e.file) renames.push({ from: e.file, to });
  }
  if (other.left === 0) renames.push({ from: other.file, to: freshEntryName(other.version) });
  return {
    renames,
    version: other.version,
    slot: target,
    reason: `${other.version} (slot ${target}) boots next; ${booted.version} stays installed as the fallback`,
  };
}
