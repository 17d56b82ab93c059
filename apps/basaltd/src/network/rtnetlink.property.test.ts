import assert from "node:assert/strict";
import { test } from "node:test";
import { BasaltError } from "@basalt/machinery";
import fc from "fast-check";
import { ackErrno, addAddress, parseCidr } from "./rtnetlink.ts";

function errorMessage(seq: number, errno: number, declaredLength = 36): Buffer {
  const m = Buffer.alloc(36);
  m.writeUInt32LE(declaredLength, 0);
  m.writeUInt16LE(2, 4); // NLMSG_ERROR
  m.writeUInt32LE(seq, 8);
  m.writeInt32LE(-errno, 16);
  return m;
}

test("a truncated or lying kernel answer is not read past its end", () => {
  // An NLMSG_ERROR header that claims 16 bytes (no room for the errno), and one claiming more than was received.
  assert.equal(ackErrno(errorMessage(7, 17, 16).subarray(0, 16), 7), undefined);
  assert.equal(ackErrno(errorMessage(7, 17, 4096), 7), undefined);
  assert.equal(ackErrno(errorMessage(7, 17).subarray(0, 18), 7), undefined);
  assert.equal(ackErrno(errorMessage(7, 17), 7), 17);
});

test("property: ackErrno never throws on arbitrary bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, seq) => {
      const r = ackErrno(Buffer.from(bytes), seq);
      assert.ok(r === undefined || Number.isInteger(r));
    }),
    { numRuns: 5000 },
  );
});

test("property: the errno of our request is found among other messages", () => {
  const filler = fc.uint8Array({ minLength: 0, maxLength: 64 }).map((b) => {
    const m = Buffer.alloc(16 + ((b.length + 3) & ~3));
    m.writeUInt32LE(16 + b.length, 0);
    m.writeUInt16LE(3, 4); // NLMSG_DONE, not ours
    Buffer.from(b).copy(m, 16);
    return m;
  });
  fc.assert(
    fc.property(
      fc.array(filler, { maxLength: 4 }),
      fc.nat({ max: 0xffff }),
      fc.nat({ max: 4095 }),
      (before, seq, errno) => {
        assert.equal(ackErrno(Buffer.concat([...before, errorMessage(seq, errno)]), seq), errno);
      },
    ),
  );
});

test("property: CIDRs are accepted exactly when octets are 0–255 and the prefix 0–32", () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 400 }), { minLength: 4, maxLength: 4 }),
      fc.nat({ max: 60 }),
      (octets, prefix) => {
        const cidr = `${octets.join(".")}/${prefix}`;
        const valid = octets.every((o) => o <= 255) && prefix <= 32;
        try {
          const p = parseCidr(cidr);
          assert.ok(valid, `${cidr} accepted`);
          assert.equal(p.prefix, prefix);
          assert.deepEqual([...p.address], octets);
          const m = addAddress(1, 2, cidr);
          assert.equal(m.readUInt32LE(0), m.length);
        } catch (err) {
          assert.ok(err instanceof BasaltError, String(err));
          assert.ok(!valid, `${cidr} refused: ${(err as Error).message}`);
        }
      },
    ),
    { numRuns: 3000 },
  );
  for (const bad of [
    "999.1.1.1/40",
    "1.2.3.4/",
    "1.2.3/8",
    "1.2.3.4/8/9",
    "1.2.3.4/ 8",
    " 1.2.3.4/8",
    "1.2.3.-4/8",
  ])
    assert.throws(() => parseCidr(bad), BasaltError, bad);
});
