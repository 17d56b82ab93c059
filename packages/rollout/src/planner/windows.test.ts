import assert from "node:assert/strict";
import { test } from "node:test";
import type { MaintenanceWindow } from "./plan-spec.ts";
import { excludedDate, inWindow, windowState } from "./windows.ts";
import { describeInstant, localTime, zonedToInstant } from "./zoned-time.ts";

const at = (iso: string) => Date.parse(iso);
const w = (
  days: MaintenanceWindow["days"],
  start: string,
  end: string,
  timeZone = "UTC",
): MaintenanceWindow => ({
  days,
  start,
  end,
  timeZone,
});

const inside: [string, MaintenanceWindow, string, boolean][] = [
  ["at the start", w(["Mon"], "02:00", "05:00"), "2025-06-02T02:00:00Z", true],
  ["at the end (exclusive)", w(["Mon"], "02:00", "05:00"), "2025-06-02T05:00:00Z", false],
  ["another day", w(["Tue"], "02:00", "05:00"), "2025-06-02T03:00:00Z", false],
  ["Berlin in summer (UTC+2)", w(["Mon"], "02:00", "05:00", "Europe/Berlin"), "2025-06-02T01:30:00Z", true],
  [
    "Berlin in summer, UTC clock inside",
    w(["Mon"], "02:00", "05:00", "Europe/Berlin"),
    "2025-06-02T03:30:00Z",
    false,
  ],
  ["Berlin in winter (UTC+1)", w(["Mon"], "02:00", "05:00", "Europe/Berlin"), "2025-01-06T03:30:00Z", true],
  [
    "Auckland is already Monday",
    w(["Mon"], "02:00", "05:00", "Pacific/Auckland"),
    "2025-06-01T15:00:00Z",
    true,
  ],
  ["over midnight, before it", w(["Fri"], "22:00", "04:00"), "2025-06-06T23:00:00Z", true],
  ["over midnight, after it", w(["Fri"], "22:00", "04:00"), "2025-06-07T03:59:00Z", true],
  ["over midnight, the next night", w(["Fri"], "22:00", "04:00"), "2025-06-08T01:00:00Z", false],
  ["until 24:00", w(["Sun"], "20:00", "24:00"), "2025-06-08T23:59:00Z", true],
];

for (const [name, window, when, expected] of inside) {
  test(`windows: ${name}`, () => assert.equal(inWindow(window, at(when)), expected));
}

test("windows: no windows means always open", () => {
  assert.deepEqual(windowState([], [], "UTC", at("2025-06-02T10:00:00Z")), { open: true });
});

test("windows: closed, with the next opening (in the window's zone, and with the date when far)", () => {
  const now = at("2025-06-02T10:00:00Z");
  const sat = windowState([w(["Sat"], "02:00", "05:00")], [], "UTC", now);
  assert.equal(sat.reason, "outside window until Sat 02:00 UTC");
  assert.equal(sat.nextOpen, at("2025-06-07T02:00:00Z"));
  const berlin = windowState([w(["Sat"], "02:00", "05:00", "Europe/Berlin")], [], "UTC", now);
  assert.equal(berlin.nextOpen, at("2025-06-07T00:00:00Z"));
  const mon = windowState([w(["Mon"], "02:00", "05:00")], [], "UTC", now);
  assert.equal(mon.reason, "outside window until 2025-06-09 Mon 02:00 UTC");
});

test("windows: the earliest of several windows in different zones", () => {
  const now = at("2025-06-02T10:00:00Z");
  const state = windowState(
    [w(["Tue"], "02:00", "03:00", "America/New_York"), w(["Tue"], "02:00", "03:00", "Asia/Tokyo")],
    [],
    "UTC",
    now,
  );
  assert.equal(state.nextOpen, at("2025-06-02T17:00:00Z"));
  assert.equal(state.reason, "outside window until Tue 02:00 Asia/Tokyo");
});

test("windows: exclusion dates, read in their own zone, skip to the next opening", () => {
  const daily = w(["Mon", "Tue", "Wed"], "09:00", "12:00");
  const state = windowState([daily], ["2025-06-02", "2025-06-03"], "UTC", at("2025-06-02T10:00:00Z"));
  assert.equal(state.open, false);
  assert.equal(state.excludedDate, "2025-06-02");
  assert.equal(state.reason, "exclusion date 2025-06-02: no starts until Wed 09:00 UTC");
  assert.equal(excludedDate(["2025-06-03"], "Pacific/Auckland", at("2025-06-02T10:00:00Z")), undefined);
  assert.equal(excludedDate(["2025-06-03"], "Pacific/Auckland", at("2025-06-02T12:00:00Z")), "2025-06-03");
});

test("windows: an exclusion that ends inside a window reopens at midnight", () => {
  const night = w(["Mon"], "22:00", "04:00");
  const state = windowState([night], ["2025-06-02"], "UTC", at("2025-06-02T23:00:00Z"));
  assert.equal(state.nextOpen, at("2025-06-03T00:00:00Z"));
});

test("zoned time: wall clock to instant and back, across DST", () => {
  assert.equal(zonedToInstant(2025, 3, 30, 3 * 60, "Europe/Berlin"), at("2025-03-30T01:00:00Z"));
  assert.equal(zonedToInstant(2025, 10, 26, 4 * 60, "Europe/Berlin"), at("2025-10-26T03:00:00Z"));
  assert.equal(zonedToInstant(2025, 6, 32, 0, "UTC"), at("2025-07-02T00:00:00Z"));
  assert.equal(localTime(at("2025-06-01T15:00:00Z"), "Pacific/Auckland").weekday, "Mon");
  assert.equal(
    describeInstant(at("2025-06-07T00:00:00Z"), "Europe/Berlin", at("2025-06-02T00:00:00Z")),
    "Sat 02:00 Europe/Berlin",
  );
});
