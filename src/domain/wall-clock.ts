import type { TimeZone } from './time-zone';

/**
 * Wall-clock readings of a time zone and the instants they name, for the delay, execution-window and pause-date
 * arithmetic (`wake.ts`, `pause-dates.ts`). Pure and free of zod: workflow code imports it.
 *
 * A wall-clock reading is kept as milliseconds since 1970-01-01T00:00 on that zone's clock ("wall ms"), so calendar
 * arithmetic on it (whole days, time of day, weekday) is plain UTC arithmetic. The rules for readings that name no
 * instant or two of them are in `wake.ts`'s module comment: a gap resolves to the moment the clocks jump, an
 * overlap to the earlier instant.
 */

export const DAY_MS = 86_400_000;

/** The reading, in wall ms, of the clock in `zone` at `instant`. */
export function wallClockAt(zone: TimeZone, instant: number): number {
  return instant + zone.offsetMs(instant);
}

/** The instant the clock in `zone` reads `wall`: the earlier one in an overlap, the jump past a gap. */
export function instantAtWallClock(zone: TimeZone, wall: number): number {
  return Math.min(...instantsAtWallClock(zone, wall));
}

/**
 * Every instant at which the clock in `zone` reads `wall`: one, two in a fall-back overlap (earlier first), or in a
 * spring-forward gap the single instant the clocks jump past it. Assumes at most one offset change within a day
 * either side, as in every zone today.
 */
export function instantsAtWallClock(zone: TimeZone, wall: number): number[] {
  const guesses = [zone.offsetMs(wall - DAY_MS), zone.offsetMs(wall + DAY_MS)].map((offset) => wall - offset);
  const exact = [...new Set(guesses)].filter((at) => wallClockAt(zone, at) === wall).sort((a, b) => a - b);
  if (exact.length > 0) return exact;
  // In the gap: the clock reads before `wall` at the earlier guess and after it at the later one.
  let before = Math.min(...guesses);
  let after = Math.max(...guesses);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (wallClockAt(zone, middle) < wall) before = middle;
    else after = middle;
  }
  return [after];
}

/** The start (00:00) of the calendar day of the wall-clock reading `wall`, in wall ms. */
export function startOfDay(wall: number): number {
  return Math.floor(wall / DAY_MS) * DAY_MS;
}
