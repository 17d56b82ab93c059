import assert from "node:assert/strict";
import { test } from "node:test";
import { currentOwner, ownerAlive, startTicksFromStat } from "./run-owner.ts";

test("start time is field 22 even when the command name holds spaces and parentheses", () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  const stat = `1234 (my (odd) name) ${fields.join(" ")}`;
  assert.equal(startTicksFromStat(stat), "22");
});

test("this process is alive; the same pid with another start time is not", async () => {
  const me = await currentOwner();
  assert.equal(await ownerAlive(me), true);
  assert.equal(await ownerAlive({ pid: me.pid, startTicks: "1" }), false);
  assert.equal(await ownerAlive({ pid: 2 ** 22 + 7, startTicks: "1" }), false);
});
