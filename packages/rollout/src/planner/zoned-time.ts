import { type Weekday, weekdays } from "./plan-spec.ts";

/**
 * Wall-clock arithmetic in IANA time zones with nothing but Intl.DateTimeFormat, so window decisions stay
 * pure functions of `now` (no time-zone database of our own, no process TZ).
 */

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  hour: number;
  minute: number;
  second: number;
  /** "YYYY-MM-DD" in the zone. */
  date: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time at instant `ms` in `timeZone`. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const { year, month, day } = parts;
  const weekday = weekdays[new Date(Date.UTC(year, month - 1, day)).getUTCDay()];
  const date = `${String(year).padStart(4, "0")}-${pad(month)}-${pad(day)}`;
  return {
    year,
    month,
    day,
    weekday,
    hour: parts.hour % 24,
    minute: parts.minute,
    second: parts.second,
    date,
  };
}

/** How far `timeZone` is ahead of UTC at instant `ms`, in milliseconds. */
function offsetAt(ms: number, timeZone: string): number {
  const l = localTime(ms, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` shows the given time. Day overflow is allowed
 * (day 32 is the next month's 1st). In a DST gap the time is shifted forward by the gap.
 */
export function zonedToInstant(
  year: number,
  month: number,
  day: number,
  minutes: number,
  timeZone: string,
): number {
  const guess = Date.UTC(year, month - 1, day, 0, minutes);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** "HH:MM" → minutes after midnight ("24:00" is 1440). */
export function parseClock(text: string): number {
  const [h, m] = text.split(":").map(Number);
  return h * 60 + m;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function zoneName(timeZone: string): string {
  return timeZone === "Etc/UTC" || timeZone === "UTC" ? "UTC" : timeZone;
}

/**
 * An instant as a person reads it in a reason: "Sat 02:00 UTC", or with the date when it is a week or
 * more away ("2026-01-03 Sat 02:00 Europe/Berlin").
 */
export function describeInstant(ms: number, timeZone: string, now: number): string {
  const l = localTime(ms, timeZone);
  const clock = `${l.weekday} ${pad(l.hour)}:${pad(l.minute)} ${zoneName(timeZone)}`;
  return ms - now >= 6 * 86_400_000 ? `${l.date} ${clock}` : clock;
}

/** A time of day in UTC, with the weekday only when it is not today: "10:42 UTC", "Sat 10:42 UTC". */
export function describeClock(ms: number, now: number): string {
  const l = localTime(ms, "UTC");
  const clock = `${pad(l.hour)}:${pad(l.minute)} UTC`;
  if (l.date === localTime(now, "UTC").date) return clock;
  return describeInstant(ms, "UTC", now);
}
