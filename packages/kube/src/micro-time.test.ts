import assert from "node:assert/strict";
import { test } from "node:test";
import { formatMicroTime, parseMicroTime } from "./micro-time.ts";

test("MicroTime is formatted with exactly six fractional digits", () => {
  assert.equal(formatMicroTime(new Date("2025-01-02T03:04:05.678Z")), "2025-01-02T03:04:05.678000Z");
  assert.equal(formatMicroTime(new Date("2025-01-02T03:04:05Z")), "2025-01-02T03:04:05.000000Z");
  assert.match(formatMicroTime(new Date()), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
});

test("a plain Date serializes with three digits, which is why formatMicroTime exists", () => {
  assert.match(JSON.stringify({ t: new Date("2025-01-02T03:04:05.678Z") }), /\.678Z/);
});

test("parseMicroTime accepts what the apiserver and the client hand back", () => {
  const cases: [unknown, string | undefined][] = [
    ["2025-01-02T03:04:05.678901Z", "2025-01-02T03:04:05.678Z"],
    ["2025-01-02T03:04:05Z", "2025-01-02T03:04:05.000Z"],
    ["2025-01-02T04:04:05.5+01:00", "2025-01-02T03:04:05.500Z"],
    [new Date("2025-01-02T03:04:05.678Z"), "2025-01-02T03:04:05.678Z"],
    ["yesterday", undefined],
    ["", undefined],
    [undefined, undefined],
    [null, undefined],
    [1735787045678, undefined],
    [new Date(Number.NaN), undefined],
  ];
  for (const [input, expected] of cases)
    assert.equal(parseMicroTime(input)?.toISOString(), expected, `parseMicroTime(${String(input)})`);
});
