import type { Slot } from "./boot-entries.ts";
import type { Installed } from "./compatibility.ts";
import type { Esp, SlotDevices } from "./update-ports.ts";
import type { UpgradeStateStore } from "./upgrade-state.ts";

/**
 * Everything the update RPCs need on a Basalt node: the ESP, the two root slots, what booted, and
 * where state is kept. Absent in agent mode (a general-purpose OS has no A/B slots).
 */
export interface UpdateSystem {
  esp: Esp;
  slots: SlotDevices;
  booted: { slot: Slot; version: string; arch: Installed["arch"] };
  state: UpgradeStateStore;
  /** LoaderBootCountPath from EFI variables, when the booted entry still counts tries. */
  bootCountPath(): Promise<string | undefined>;
}
