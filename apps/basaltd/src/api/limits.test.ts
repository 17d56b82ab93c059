import assert from "node:assert/strict";
import { test } from "node:test";
import { Limiter } from "./limits.ts";

test("a peer is capped at its share; admins get four times as much and the reserve", () => {
  const l = new Limiter("calls", { total: 20, perPeer: 2, adminReserve: 4 });
  const a = l.acquire("reader-1", false);
  const b = l.acquire("reader-1", false);
  assert.ok(a.ok && b.ok);
  assert.equal(l.acquire("reader-1", false).ok, false);
  // Other readers fill everything but the admin reserve.
  for (let i = 2; i < 9; i++) {
    assert.ok(l.acquire(`r${i}`, false).ok);
    assert.ok(l.acquire(`r${i}`, false).ok);
  }
  assert.equal(l.used, 16);
  assert.equal(l.acquire("r99", false).ok, false, "the reserve is the admins'");
  for (let i = 0; i < 4; i++) assert.ok(l.acquire("admin", true).ok);
  assert.equal(l.acquire("admin", true).ok, false, "the total holds for admins too");
  if (a.ok) {
    a.release();
    a.release();
  }
  assert.equal(l.used, 19, "a double release counts once");
  assert.ok(l.acquire("reader-1", false).ok === false, "reserve still held");
});
