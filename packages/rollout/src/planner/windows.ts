import type { MaintenanceWindow } from "./plan-spec.ts";
import { weekdays } from "./plan-spec.ts";
import { describeInstant, localTime, parseClock, zonedToInstant } from "./zoned-time.ts";

/** Whether new nodes may start now, and if not, why and until when. */
export interface WindowState {
  open: boolean;
  /** Set when closed because today is an exclusion date (which even the critical lane respects). */
  excludedDate?: string;
  /** Set when closed: when it next opens (absent if not within a year). */
  nextOpen?: number;
  /** Set when closed: "outside window until Sat 02:00 UTC". */
  reason?: string;
}

/** Whether instant `ms` falls in `window`. A window whose end is not after its start runs past midnight. */
export function inWindow(window: MaintenanceWindow, ms: number): boolean {
  const l = localTime(ms, window.timeZone);
  const minute = l.hour * 60 + l.minute;
  const start = parseClock(window.start);
  const end = parseClock(window.end);
  if (start < end) return window.days.includes(l.weekday) && minute >= start && minute < end;
  const yesterday = weekdays[(weekdays.indexOf(l.weekday) + 6) % 7];
  return (
    (window.days.includes(l.weekday) && minute >= start) || (window.days.includes(yesterday) && minute < end)
  );
}

/** The exclusion date that covers instant `ms` (dates read in `timeZone`), if any. */
export function excludedDate(
  exclusions: readonly string[],
  timeZone: string,
  ms: number,
): string | undefined {
  if (exclusions.length === 0) return undefined;
  const date = localTime(ms, timeZone).date;
  return exclusions.includes(date) ? date : undefined;
}

function openAt(
  windows: readonly MaintenanceWindow[],
  exclusions: readonly string[],
  tz: string,
  ms: number,
) {
  if (excludedDate(exclusions, tz, ms) !== undefined) return false;
  return windows.length === 0 || windows.some((w) => inWindow(w, ms));
}

const searchDays = 400;

/** The first instant after `now` at which starts are allowed, with the zone to show it in. */
function nextOpening(
  windows: readonly MaintenanceWindow[],
  exclusions: readonly string[],
  exclusionTimeZone: string,
  now: number,
): { at: number; timeZone: string } | undefined {
  let best: { at: number; timeZone: string } | undefined;
  const consider = (at: number, timeZone: string) => {
    if (at > now && (!best || at < best.at) && openAt(windows, exclusions, exclusionTimeZone, at)) {
      best = { at, timeZone };
    }
  };
  for (const w of windows) {
    const today = localTime(now, w.timeZone);
    for (let i = 0; i <= searchDays; i++) {
      const dayStart = Date.UTC(today.year, today.month - 1, today.day + i);
      if (best && dayStart - 2 * 86_400_000 > best.at) break;
      if (!w.days.includes(weekdays[new Date(dayStart).getUTCDay()])) continue;
      const before = best;
      consider(
        zonedToInstant(today.year, today.month, today.day + i, parseClock(w.start), w.timeZone),
        w.timeZone,
      );
      if (best !== before) break;
    }
  }
  // An exclusion can end in the middle of a window (or, with no windows, simply end at midnight).
  for (const date of exclusions) {
    const [y, m, d] = date.split("-").map(Number);
    consider(zonedToInstant(y, m, d + 1, 0, exclusionTimeZone), exclusionTimeZone);
  }
  return best;
}

/**
 * Whether the maintenance windows and exclusion dates allow starting nodes at `now`, and if not, a reason
 * naming the next opening in the window's own time zone. No windows means always open.
 */
export function windowState(
  windows: readonly MaintenanceWindow[],
  exclusions: readonly string[],
  exclusionTimeZone: string,
  now: number,
): WindowState {
  if (openAt(windows, exclusions, exclusionTimeZone, now)) return { open: true };
  const excluded = excludedDate(exclusions, exclusionTimeZone, now);
  const next = nextOpening(windows, exclusions, exclusionTimeZone, now);
  const until = next ? `until ${describeInstant(next.at, next.timeZone, now)}` : "(no opening within a year)";
  const reason = excluded ? `exclusion date ${excluded}: no starts ${until}` : `outside window ${until}`;
  const state: WindowState = { open: false, reason };
  if (excluded) state.excludedDate = excluded;
  if (next) state.nextOpen = next.at;
  return state;
}
