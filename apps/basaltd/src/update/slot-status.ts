import { compareVersions } from "@basalt/machinery";
import { isExhausted, type Slot } from "./boot-entries.ts";
import type { SlotEntry } from "./slot-entries.ts";

export interface SlotStatus {
  slot: Slot;
  version: string;
  entry: string;
  state: "booted" | "fallback" | "pending" | "exhausted" | "empty";
  triesLeft: number;
  triesDone: number;
}

/** What each slot holds, from the ESP's entries and what booted. Pure. */
export function slotStatuses(
  entries: readonly SlotEntry[],
  booted: { slot: Slot; version: string },
): SlotStatus[] {
  return (["A", "B"] as const).map((slot) => {
    const mine = entries.filter((e) => e.slot === slot).sort((x, y) => compareVersions(y.version, x.version));
    const e = mine[0];
    if (!e) return { slot, version: "", entry: "", state: "empty", triesLeft: 0, triesDone: 0 };
    const state =
      slot === booted.slot && e.version === booted.version
        ? "booted"
        : isExhausted(e)
          ? "exhausted"
          : e.left !== undefined
            ? "pending"
            : "fallback";
    return { slot, version: e.version, entry: e.file, state, triesLeft: e.left ?? 0, triesDone: e.done };
  });
}

/** Whether the booted entry is blessed: found on the ESP without a tries counter. Pure. */
export function bootedBlessed(
  entries: readonly SlotEntry[],
  booted: { slot: Slot; version: string },
): boolean {
  const e = entries.find((x) => x.slot === booted.slot && x.version === booted.version);
  return e !== undefined && e.left === undefined;
}
