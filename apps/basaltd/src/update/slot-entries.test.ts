import assert from "node:assert/strict";
import { test } from "node:test";
import { readSlotEntries } from "./slot-entries.ts";
import type { Esp } from "./update-ports.ts";

const enoent = (file: string) => Object.assign(new Error(`ENOENT: open '${file}'`), { code: "ENOENT" });

/** An ESP (unit-test double) whose listing changes under the reader, as blessing renames an entry. */
function renamingEsp(listings: string[][], gone: (file: string, listing: number) => boolean) {
  let listed = 0;
  const esp = {
    list: async () => listings[Math.min(listed++, listings.length - 1)]!,
    readHead: async (file: string) => {
      if (gone(file, listed)) throw enoent(file);
      return new Uint8Array(64);
    },
  } as unknown as Esp;
  return { esp, lists: () => listed };
}

test("an entry renamed between listing and reading (blessed meanwhile): the ESP is read again, whole", async () => {
  const { esp, lists } = renamingEsp(
    [
      ["basalt-0.1.0.efi", "basalt-0.2.0+2-1.efi"],
      ["basalt-0.1.0.efi", "basalt-0.2.0.efi"],
    ],
    (file) => file === "basalt-0.2.0+2-1.efi",
  );
  const entries = await readSlotEntries(esp);
  assert.deepEqual(
    entries.map((e) => [e.file, e.version, e.left]),
    [
      ["basalt-0.1.0.efi", "0.1.0", undefined],
      ["basalt-0.2.0.efi", "0.2.0", undefined],
    ],
  );
  assert.equal(lists(), 2);
});

test("an ESP that keeps changing, or another failure, is an error, not a partial answer", async () => {
  const churning = renamingEsp([["basalt-0.2.0+2-1.efi"]], () => true);
  await assert.rejects(readSlotEntries(churning.esp), /ENOENT/);
  assert.equal(churning.lists(), 3, "three readings, then the error");
  const broken = {
    list: async () => ["basalt-0.2.0.efi"],
    readHead: async () => {
      throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
    },
  } as unknown as Esp;
  await assert.rejects(readSlotEntries(broken), /EIO/);
});
