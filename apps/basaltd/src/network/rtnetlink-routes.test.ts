import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { mainTable, parseRouteDump, routeDumpRequest, routeRequest } from "./rtnetlink-routes.ts";

/** What the kernel sends for a route in a dump: an RTM_NEWROUTE built from a request's bytes. */
function asDumpAnswer(request: Buffer, seq: number, extra: Buffer = Buffer.alloc(0)): Buffer {
  const m = Buffer.concat([request, extra]);
  m.writeUInt32LE(m.length, 0);
  m.writeUInt16LE(24, 4); // RTM_NEWROUTE
  m.writeUInt16LE(0x2, 6); // NLM_F_MULTI
  m.writeUInt32LE(seq, 8);
  return m;
}

function done(seq: number): Buffer {
  const m = Buffer.alloc(20);
  m.writeUInt32LE(20, 0);
  m.writeUInt16LE(3, 4); // NLMSG_DONE
  m.writeUInt32LE(seq, 8);
  return m;
}

test("add, replace and delete carry the destination, the gateway and our protocol in the main table", () => {
  const add = routeRequest("add", 9, "10.244.2.0/24", "10.77.0.12", 147);
  assert.equal(add.readUInt32LE(0), add.length);
  assert.equal(add.readUInt16LE(4), 24); // RTM_NEWROUTE
  assert.equal(add.readUInt16LE(6), 0x1 | 0x4 | 0x400 | 0x200); // request, ack, create, excl
  assert.equal(add.readUInt32LE(8), 9);
  assert.deepEqual([...add.subarray(16, 24)], [2, 24, 0, 0, mainTable, 147, 0, 1]);
  assert.equal(
    routeRequest("replace", 1, "10.244.2.0/24", "10.77.0.12", 147).readUInt16LE(6),
    0x1 | 0x4 | 0x400 | 0x100,
  );
  const del = routeRequest("delete", 1, "10.244.2.0/24", "10.77.0.12", 147);
  assert.equal(del.readUInt16LE(4), 25); // RTM_DELROUTE
  assert.equal(del.readUInt16LE(6), 0x1 | 0x4);
  assert.equal(del[21], 147, "the kernel deletes only a route of this protocol");
  const dump = routeDumpRequest(5);
  assert.equal(dump.readUInt16LE(4), 26);
  assert.equal(dump.readUInt16LE(6) & 0x300, 0x300);
});

test("a dump is read back: destination, gateway, protocol, table; other sequences ignored; DONE ends it", () => {
  const r1 = asDumpAnswer(routeRequest("add", 0, "10.244.2.0/24", "10.77.0.12", 147), 7);
  const r2 = asDumpAnswer(routeRequest("add", 0, "0.0.0.0/0", "10.77.0.1", 4), 7);
  const other = asDumpAnswer(routeRequest("add", 0, "10.9.0.0/16", "10.77.0.1", 147), 8);
  const first = parseRouteDump(Buffer.concat([r1, r2, other]), 7);
  assert.deepEqual(first.routes, [
    { dst: "10.244.2.0/24", via: "10.77.0.12", protocol: 147, table: mainTable, oif: 0 },
    { dst: "0.0.0.0/0", via: "10.77.0.1", protocol: 4, table: mainTable, oif: 0 },
  ]);
  assert.equal(first.done, false);
  assert.equal(parseRouteDump(done(7), 7).done, true);
  assert.equal(parseRouteDump(done(7), 8).done, false);
});

test("a failed dump reports its errno", () => {
  const m = Buffer.alloc(36);
  m.writeUInt32LE(36, 0);
  m.writeUInt16LE(2, 4);
  m.writeUInt32LE(4, 8);
  m.writeInt32LE(-16, 16);
  assert.deepEqual(parseRouteDump(m, 4), { routes: [], done: true, errno: 16 });
});

test("bad input is refused with the value named", () => {
  assert.throws(
    () => routeRequest("add", 1, "10.244.2.0", "10.77.0.12", 147),
    /not an IPv4 CIDR: 10\.244\.2\.0/,
  );
  assert.throws(() => routeRequest("add", 1, "10.244.2.0/24", "10.77.0", 147), /10\.77\.0/);
});

test("property: any route round-trips through the dump parser", () => {
  fc.assert(
    fc.property(
      fc.ipV4(),
      fc.integer({ min: 0, max: 32 }),
      fc.ipV4(),
      fc.integer({ min: 0, max: 255 }),
      fc.nat(),
      (addr, prefix, via, protocol, seq) => {
        const v = addr.split(".").reduce((a, o) => a * 256 + Number(o), 0);
        const net = prefix === 0 ? 0 : v - (v % 2 ** (32 - prefix));
        const dst = `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join(".")}/${prefix}`;
        const chunk = parseRouteDump(asDumpAnswer(routeRequest("add", 0, dst, via, protocol), seq), seq);
        assert.deepEqual(chunk.routes, [{ dst, via, protocol, table: mainTable, oif: 0 }]);
      },
    ),
    { numRuns: 2000 },
  );
});

test("property: the parser never throws or reads past the end of arbitrary bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), (bytes, seq) => {
      const chunk = parseRouteDump(Buffer.from(bytes), seq);
      for (const r of chunk.routes) assert.match(r.dst, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    }),
    { numRuns: 5000 },
  );
});
