import assert from "node:assert/strict";
import { test } from "node:test";
import { PreauthSampler, type SampledLine } from "./preauth-sampler.ts";

test("a flood from one address logs the first few, then one summary per minute", () => {
  let now = 0;
  const lines: SampledLine[] = [];
  const s = new PreauthSampler(
    (l) => lines.push(l),
    { perAddressPerMinute: 5, linesPerMinute: 30 },
    () => now,
  );
  for (let i = 0; i < 50_000; i++) s.failure("10.0.0.1", "no_certificate");
  assert.equal(lines.length, 5);
  now = 61_000;
  s.tick();
  assert.equal(lines.length, 6);
  assert.equal(lines[5]!.fields.suppressed, 49_995);
  assert.equal(s.totals.get("no_certificate"), 50_000);
});

test("many addresses share one budget, and the address table is bounded", () => {
  let now = 0;
  const lines: SampledLine[] = [];
  const s = new PreauthSampler(
    (l) => lines.push(l),
    { linesPerMinute: 30, maxAddresses: 100 },
    () => now,
  );
  for (let i = 0; i < 100_000; i++) s.failure(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, "untrusted");
  assert.equal(lines.length, 30);
  now = 60_000;
  s.tick();
  assert.equal(lines.length, 31);
  assert.equal(lines[30]!.fields.addresses, 101); // 100 tracked + "other"
  s.tick();
  assert.equal(lines.length, 31, "a quiet minute writes nothing");
});
