import { type BootEntry, parseEntry, type Slot } from "./boot-entries.ts";
import { slotOfCommandLine, ukiCommandLine } from "./pe-cmdline.ts";
import type { Esp } from "./update-ports.ts";

export interface SlotEntry extends BootEntry {
  slot: Slot | undefined;
}

/** Every Basalt UKI on the ESP with the slot its command line boots. */
export async function readSlotEntries(esp: Esp): Promise<SlotEntry[]> {
  const out: SlotEntry[] = [];
  for (const file of (await esp.list()).sort()) {
    const entry = parseEntry(file);
    if (!entry) continue;
    const head = await esp.readHead(file, 4 * 1024 * 1024);
    const cmdline = ukiCommandLine(head);
    out.push({ ...entry, slot: cmdline ? slotOfCommandLine(cmdline) : undefined });
  }
  return out;
}

export const otherSlot = (s: Slot): Slot => (s === "A" ? "B" : "A");
