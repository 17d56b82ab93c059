import assert from "node:assert/strict";
import { test } from "node:test";
import { cmdlineCarriesConfig, extLabel, stateAction } from "./disk-probe.ts";

function ext(label: string): Buffer {
  const b = Buffer.alloc(4096);
  b.writeUInt16LE(0xef53, 1024 + 56);
  b.write(label, 1024 + 120, "latin1");
  return b;
}

test("STATE: ext4 is mounted, blank is formatted, anything else is refused", () => {
  const cases: [Buffer, string][] = [
    [ext("STATE"), "mount"],
    [Buffer.alloc(4096), "format"],
    [Buffer.from("not a filesystem".padEnd(4096, "x")), "refuse"],
  ];
  for (const [head, action] of cases) assert.equal(stateAction(head).action, action);
});

test("ext labels up to 16 characters", () => {
  assert.equal(extLabel(ext("BASALT-CONFIG")), "BASALT-CONFIG");
  assert.equal(extLabel(Buffer.alloc(4096)), "");
});

test("basalt.config= on the kernel command line is recognised (to be refused)", () => {
  assert.equal(cmdlineCarriesConfig("console=ttyS0 basalt.config=YXBp quiet"), true);
  assert.equal(cmdlineCarriesConfig("console=ttyS0 xbasalt.config=1"), false);
  assert.equal(cmdlineCarriesConfig("console=ttyS0"), false);
});
