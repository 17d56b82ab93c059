import { blessedName, fileFromBootCountPath, isExhausted, parseEntry, type Slot } from "./boot-entries.ts";
import type { SlotEntry } from "./slot-entries.ts";
import type { UpgradeState } from "./upgrade-state.ts";

export type BootAction =
  | { kind: "bless"; from: string; to: string; reason: string }
  | { kind: "record-failure"; version: string; tries: number; reason: string }
  | { kind: "remove"; file: string; reason: string };

/**
 * What to do with the ESP's entries once the booted system is healthy: bless the entry that booted
 * (drop its counter), and report and remove versions whose tries ran out — those are upgrades that
 * never became healthy, so systemd-boot fell back to us. Entries an operator rolled back from stay as
 * fallbacks. Pure: entries and facts in, actions with reasons out.
 */
export function assessBoot(input: {
  entries: readonly SlotEntry[];
  booted: { slot: Slot; version: string };
  /** LoaderBootCountPath, when systemd-boot booted an entry that still counts tries. */
  bootCountPath: string | undefined;
  state: Pick<UpgradeState, "rolledBackFrom"> & Partial<UpgradeState>;
}): BootAction[] {
  const actions: BootAction[] = [];
  const counted = input.bootCountPath ? parseEntry(fileFromBootCountPath(input.bootCountPath)) : undefined;
  if (counted && counted.left !== undefined) {
    actions.push({
      kind: "bless",
      from: counted.file,
      to: blessedName(counted),
      reason: `${counted.version} booted healthy`,
    });
  }
  for (const e of input.entries) {
    if (!isExhausted(e) || e.version === input.booted.version) continue;
    if (input.state.rolledBackFrom.includes(e.version)) continue;
    actions.push({
      kind: "record-failure",
      version: e.version,
      tries: e.done,
      reason: `${e.version} did not become healthy in ${e.done} ${e.done === 1 ? "try" : "tries"}; back on ${input.booted.version}`,
    });
    actions.push({ kind: "remove", file: e.file, reason: `${e.version}'s tries are exhausted` });
  }
  return actions;
}
