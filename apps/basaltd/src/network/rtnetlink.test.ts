import assert from "node:assert/strict";
import { test } from "node:test";
import { ackErrno, addAddress, addRoute, linkUp, removeAddress, removeRoute } from "./rtnetlink.ts";

test("link up: header, ifinfomsg with IFF_UP in flags and change mask", () => {
  const m = linkUp(7, 2);
  assert.equal(m.readUInt32LE(0), m.length);
  assert.equal(m.length, 32);
  assert.equal(m.readUInt16LE(4), 16);
  assert.equal(m.readUInt16LE(6), 0x5);
  assert.equal(m.readUInt32LE(8), 7);
  assert.equal(m.readInt32LE(20), 2);
  assert.equal(m.readUInt32LE(24), 1);
  assert.equal(m.readUInt32LE(28), 1);
});

test("address: prefix, local and broadcast attributes", () => {
  const m = addAddress(1, 3, "10.0.2.15/24");
  assert.equal(m.readUInt8(17), 24);
  assert.equal(m.readUInt32LE(20), 3);
  assert.deepEqual([...m.subarray(28, 32)], [10, 0, 2, 15]); // IFA_LOCAL data
  assert.deepEqual([...m.subarray(m.length - 4)], [10, 0, 2, 255]); // broadcast
  assert.throws(() => addAddress(1, 3, "10.0.2.300/24"), /not an IPv4/);
});

test("default route has no RTA_DST, a gateway and an output link", () => {
  const m = addRoute(2, 3, "default", "10.0.2.2");
  assert.equal(m.readUInt8(17), 0); // dst_len
  assert.equal(m.readUInt8(20), 254);
  assert.equal(m.readUInt16LE(30), 5); // first attr: RTA_GATEWAY
  assert.deepEqual([...m.subarray(32, 36)], [10, 0, 2, 2]);
  assert.equal(m.length, 16 + 12 + 8 + 8);
});

test("ack parsing finds the answer to our sequence number", () => {
  const ack = Buffer.alloc(36);
  ack.writeUInt32LE(36, 0);
  ack.writeUInt16LE(2, 4);
  ack.writeUInt32LE(9, 8);
  ack.writeInt32LE(-17, 16);
  assert.equal(ackErrno(ack, 9), 17);
  assert.equal(ackErrno(ack, 8), undefined);
});

test("removing an address or route is the same message as adding it, as RTM_DEL* without create/replace", () => {
  const add = addAddress(7, 2, "10.0.2.15/24");
  const del = removeAddress(7, 2, "10.0.2.15/24");
  assert.equal(del.readUInt16LE(4), 21);
  assert.equal(del.readUInt16LE(6), 0x1 | 0x4);
  assert.deepEqual(del.subarray(8), add.subarray(8));
  const r = removeRoute(8, 2, "default", "10.0.2.2");
  assert.equal(r.readUInt16LE(4), 25);
  assert.deepEqual(r.subarray(8), addRoute(8, 2, "default", "10.0.2.2").subarray(8));
});
