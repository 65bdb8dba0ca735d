import type { ExecutionWindow, PauseDates } from './schedule';
import { type TimeZone, timeZoneNamed } from './time-zone';
import { nextExecutionWindowStart } from './wake';
import { DAY_MS, instantsAtWallClock, startOfDay, wallClockAt } from './wall-clock';

/**
 * Pause-date arithmetic: whether a moment falls on a pause date, and when an action with side effects reached at a
 * moment may run, given the workflow's pause dates and execution window. Pure and deterministic, and free of zod
 * (workflow code imports it); the schema of pause dates is in `schedule.ts`.
 *
 * A pause date is a whole calendar day on the clock of its time zone, from its 00:00 to the next day's 00:00. A
 * midnight in a DST gap resolves to the moment the clocks jump, as everywhere in `wake.ts`.
 */

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `text` is `YYYY-MM-DD` and names a day that exists (2026-02-28 does, 2026-02-30 and 2026-13-01 not). */
export function isCalendarDate(text: string): boolean {
  const match = CALENDAR_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** What an action with side effects reached at some moment waits for, as `nextEffectStart` answers it. */
export interface EffectStart {
  /** When it may run: the moment asked about itself when nothing holds it. */
  at: Date;
  /** The pause date the moment asked about falls on, when it falls on one. */
  onPauseDate?: string;
  /** The first pause date the wait went past because the execution window would have opened on it. */
  openingOnPauseDate?: string;
}

/**
 * The earliest moment at or after `now` at which an action with side effects may run: not on a pause date (in the
 * pause dates' zone) and inside the execution window (in the window's zone). A moment on a pause date moves to the
 * start (00:00) of the next day that is not one, then to the window's next opening; an opening that falls on a pause
 * date moves on again, until both agree. Each round that does not settle goes past at least one pause date, so it
 * ends within as many rounds as there are dates. Throws a RangeError for an unknown zone or a window that never
 * opens, which the schemas rule out.
 */
export function nextEffectStart(
  schedule: { executionWindow?: ExecutionWindow; pauseDates?: PauseDates },
  now: Date,
): EffectStart {
  const { executionWindow, pauseDates } = schedule;
  const paused = pauseDates && { zone: zoneNamed(pauseDates.timezone), dates: new Set(pauseDates.dates) };
  const result: EffectStart = { at: now };
  // Twice the dates: a date can come round twice where the clocks fall back across midnight.
  const rounds = 2 * (pauseDates?.dates.length ?? 0) + 2;
  for (let round = 0; round < rounds; round++) {
    const offPause = paused ? firstMomentOffPauseDates(paused.zone, paused.dates, result.at.getTime()) : undefined;
    if (offPause?.skipped) {
      if (round === 0) result.onPauseDate = offPause.skipped;
      else result.openingOnPauseDate ??= offPause.skipped;
    }
    const from = offPause ? new Date(offPause.at) : result.at;
    const opening = executionWindow ? nextExecutionWindowStart(executionWindow, from) : from;
    result.at = opening;
    if (!paused || opening.getTime() === from.getTime()) return result;
  }
  throw new RangeError(`no moment off the pause dates and inside the execution window follows ${now.toISOString()}`);
}

/**
 * `now` when the clock of `zone` shows a date not in `dates`; else the first later instant at which it shows one
 * (the start of that day), with the pause date `now` is on.
 */
function firstMomentOffPauseDates(
  zone: TimeZone,
  dates: ReadonlySet<string>,
  now: number,
): { at: number; skipped?: string } {
  let at = now;
  let skipped: string | undefined;
  // Each turn moves to a later calendar day, and at most `dates.size` of them are pause dates.
  for (let turn = 0; turn <= 2 * dates.size + 1; turn++) {
    const day = startOfDay(wallClockAt(zone, at));
    const date = dateOfWall(day);
    if (!dates.has(date)) return { at, ...(skipped && { skipped }) };
    skipped ??= date;
    // The next midnight after `at`: where the clocks fall back across midnight, the later of its two instants.
    const next = instantsAtWallClock(zone, day + DAY_MS).find((instant) => instant > at);
    if (next === undefined) break;
    at = next;
  }
  throw new RangeError(`no day off the pause dates follows ${new Date(now).toISOString()} in ${zone.name}`);
}

function zoneNamed(name: string): TimeZone {
  const zone = timeZoneNamed(name);
  if (!zone) throw new RangeError(`"${name}" is not an IANA time zone`);
  return zone;
}

/** `YYYY-MM-DD` of a wall-clock reading. */
function dateOfWall(wall: number): string {
  return new Date(wall).toISOString().slice(0, 10);
}
