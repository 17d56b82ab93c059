import assert from "node:assert/strict";
import { test } from "node:test";
import { layoutUki, parseSections, setPeTimestamp } from "./uki-layout.ts";

const objdump = `
Sections:
Idx Name          Size      VMA               LMA               File off  Algn
  0 .text         0000bff0  0000000000004000  0000000000004000  00000400  2**4
                  CONTENTS, ALLOC, LOAD, READONLY, CODE
  7 .sdmagic      00000034  0000000000019100  0000000000019100  00011200  2**2
`;

test("added sections follow the stub, page aligned, kernel on 2 MiB", () => {
  const s = parseSections(objdump);
  assert.deepEqual(
    s.map((x) => x.name),
    [".text", ".sdmagic"],
  );
  const l = layoutUki(s, { osrel: 100, cmdline: 5000, linux: 0x500001, initrd: 10 });
  assert.equal(l[".osrel"], 0x1a000);
  assert.equal(l[".cmdline"], 0x1b000);
  assert.equal(l[".linux"], 0x200000);
  assert.equal(l[".initrd"], 0x701000);
});

test("the PE timestamp is set and the checksum kept valid", () => {
  const pe = Buffer.alloc(512);
  pe.writeUInt32LE(0x80, 0x3c);
  pe.writeUInt32LE(0x4550, 0x80);
  pe.writeUInt32LE(123456, 0x88);
  setPeTimestamp(pe, 1735689600);
  assert.equal(pe.readUInt32LE(0x88), 1735689600);
  const again = Buffer.from(pe);
  setPeTimestamp(again, 1735689600);
  assert.deepEqual(again, pe);
});
