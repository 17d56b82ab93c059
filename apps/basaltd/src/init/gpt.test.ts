import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { basaltPartitions } from "@basalt/machinery";
import { gptHeadBytes, guidFromBytes, parseGpt } from "./gpt.ts";

/** GUID text → the mixed-endian bytes GPT stores. */
function guidBytes(guid: string): Buffer {
  const h = guid.replaceAll("-", "");
  const b = Buffer.from(h, "hex");
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8, 16),
  ]);
}

function disk(entries: { n: number; type: string; guid: string; name: string }[]): Buffer {
  const b = Buffer.alloc(gptHeadBytes);
  b.write("EFI PART", 512, "latin1");
  b.writeBigUInt64LE(2n, 512 + 72);
  b.writeUInt32LE(128, 512 + 80);
  b.writeUInt32LE(128, 512 + 84);
  for (const e of entries) {
    const at = 1024 + (e.n - 1) * 128;
    guidBytes(e.type).copy(b, at);
    guidBytes(e.guid).copy(b, at + 16);
    b.write(e.name, at + 56, "utf16le");
  }
  return b;
}

test("reads used entries with their numbers, GUIDs and names", () => {
  const state = basaltPartitions.STATE;
  const root = basaltPartitions["ROOT-A"];
  const parts = parseGpt(
    disk([
      { n: 2, type: root.type, guid: root.guid, name: "ROOT-A" },
      { n: 4, type: state.type, guid: state.guid, name: "STATE" },
    ]),
  );
  assert.deepEqual(parts, [
    { number: 2, typeGuid: root.type, partGuid: root.guid, name: "ROOT-A" },
    { number: 4, typeGuid: state.type, partGuid: state.guid, name: "STATE" },
  ]);
});

test("GUIDs round-trip through GPT's mixed-endian layout", () => {
  const g = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
  assert.equal(guidFromBytes(guidBytes(g)), g);
});

test("no GPT: undefined for a blank disk, an MBR-only disk, a short read or absurd header fields", () => {
  assert.equal(parseGpt(Buffer.alloc(gptHeadBytes)), undefined);
  assert.equal(parseGpt(Buffer.alloc(100)), undefined);
  const bad = disk([]);
  bad.writeUInt32LE(7, 512 + 84); // entry size not a multiple of 8
  assert.equal(parseGpt(bad), undefined);
  const far = disk([]);
  far.writeBigUInt64LE(1n << 60n, 512 + 72);
  assert.equal(parseGpt(far), undefined);
});

test("untrusted bytes after a valid signature never throw (1,000 random headers)", () => {
  for (let i = 0; i < 1000; i++) {
    const b = randomBytes(gptHeadBytes);
    b.write("EFI PART", 512, "latin1");
    const parts = parseGpt(b);
    assert.ok(parts === undefined || parts.length <= 128);
  }
});
