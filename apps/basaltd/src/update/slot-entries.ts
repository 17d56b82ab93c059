import { type BootEntry, parseEntry, type Slot } from "./boot-entries.ts";
import { slotOfCommandLine, ukiCommandLine } from "./pe-cmdline.ts";
import type { Esp } from "./update-ports.ts";

export interface SlotEntry extends BootEntry {
  slot: Slot | undefined;
}

/**
 * Every Basalt UKI on the ESP with the slot its command line boots. Blessing renames an entry (it
 * drops the boot counter) and boot assessment removes spent ones, so a file just listed can be gone
 * when it is read: a NodeStatus at the moment a node was blessed failed with ENOENT. The ESP is then
 * read again from its listing (a few times), never answered from half a listing.
 */
export async function readSlotEntries(esp: Esp): Promise<SlotEntry[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readSlotEntriesOnce(esp);
    } catch (err) {
      if (attempt >= 3 || (err as { code?: unknown }).code !== "ENOENT") throw err;
    }
  }
}

async function readSlotEntriesOnce(esp: Esp): Promise<SlotEntry[]> {
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
