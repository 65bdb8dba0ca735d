import { MAX_DURATION_MS, parseDuration } from './duration';
import { parseIsoDateTime } from './iso-date-time';
import type { DelayConfig, ExecutionWindow, Weekday } from './schedule';
import { type TimeZone, timeZoneNamed } from './time-zone';
import { DAY_MS, instantAtWallClock, instantsAtWallClock, startOfDay, wallClockAt } from './wall-clock';

/**
 * Delay and execution-window arithmetic: when a delay ends, when an execution window next opens. Pure and
 * deterministic so workflow code can call it. The schemas of what it reads are in `schedule.ts`.
 *
 * Workflow code imports this module, so it must stay free of zod, directly and through its imports (`import type`
 * is fine): the workflow bundle runs its module code again for every workflow instance, and building zod schemas
 * there cost every workflow start a large share of its CPU.
 *
 * Wall-clock times in a zone resolve to instants by two rules, the same here and in `pause-dates.ts`:
 * - a time that does not exist (the spring-forward gap, e.g. 02:30 on the day New York jumps from 02:00 to
 *   03:00) resolves to the first instant after the gap, the moment the clocks jump (03:00 local time).
 *   Shifting by the length of the gap instead (03:30), as luxon does, would skip half an hour of a window
 *   opening at 02:30;
 * - a time that occurs twice (the fall-back overlap, e.g. 01:30 on the day New York goes from 02:00 back to
 *   01:00) resolves to the earlier of the two instants. Picking by the offset in force at the current date, as
 *   luxon does, would make a workflow's replay depend on when it runs.
 *
 * Internally a wall-clock reading is kept as milliseconds since 1970-01-01T00:00 on that zone's clock
 * ("wall ms"), so calendar arithmetic on it (whole days, time of day, weekday) is plain UTC arithmetic
 * (`wall-clock.ts`, shared with the pause-date arithmetic in `pause-dates.ts`).
 */

const MINUTE_MS = 60_000;
/** The days of the week, Monday first, as delays and execution windows name them. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

type DelayUntil = Extract<DelayConfig, { until: unknown }>['until'];

/**
 * When a delay that starts at `now` ends. `properties` are the record's properties (read when the delay starts).
 *
 * - `for`: `now` plus the duration.
 * - `until`: `date`, or the date in `properties[property]` (an ISO date-time, an ISO date `YYYY-MM-DD` taken as
 *   00:00, or epoch milliseconds; a date-time without an offset is read on the clock of `timezone`, else UTC).
 *   Then `offset` is added: its days and weeks are calendar days on the clock of `timezone` (so `-1d` keeps the
 *   wall-clock time across a DST change), the rest is fixed time; without `timezone`, UTC days. Then `time`
 *   moves the moment to that wall-clock time on the same calendar day. A moment in the past is returned as it
 *   is; the caller continues at once.
 * - `untilDayTime`: the first moment at or after `now` that is one of `days` at `time` in `timezone`.
 *
 * A wall-clock time inside a DST gap resolves to the moment the clocks jump; one that occurs twice resolves to
 * the earlier instant. Returns `{ error }` with a sentence for the timeline when the property is not a date.
 */
export function delayWakeAt(
  config: DelayConfig,
  now: Date,
  properties: Record<string, unknown>,
): { wakeAt: Date } | { error: string } {
  const result = anyDelayWakeAt(config, now, properties);
  if ('error' in result) return result;
  // Workflow code sleeps until it: a moment further than a duration may reach (a date property far in the future,
  // a stored definition from before the limit) is refused here rather than thrown as an invalid date or timer.
  const ahead = result.wakeAt.getTime() - now.getTime();
  if (!Number.isFinite(ahead) || ahead > MAX_DURATION_MS)
    return { error: 'the delay would end more than 10 years from now' };
  return result;
}

function anyDelayWakeAt(
  config: DelayConfig,
  now: Date,
  properties: Record<string, unknown>,
): { wakeAt: Date } | { error: string } {
  if ('for' in config) {
    const ms = parseDuration(config.for);
    return ms === undefined ? { error: `"${config.for}" is not a duration` } : { wakeAt: new Date(now.getTime() + ms) };
  }
  if ('until' in config) return untilWakeAt(config.until, properties);
  const { days, time, timezone } = config.untilDayTime;
  const zone = timeZoneNamed(timezone);
  if (!zone) return { error: unknownZone(timezone) };
  const at = nextDayTime(zone, days, time, now.getTime());
  return at === undefined ? { error: 'untilDayTime lists no days' } : { wakeAt: new Date(at) };
}

/**
 * `now` itself when `now` is inside the window, else the start of the next opening: the first later instant at
 * which the clock of the window's zone shows one of its days between `start` (inclusive) and `end` (exclusive).
 * A `start` inside a DST gap opens the window when the clocks jump; on the night clocks fall back, an hour of the
 * window that comes round again is open again. Throws a RangeError when the window never opens (no days, `start`
 * not before `end`, or an unknown zone), which `ExecutionWindowSchema` rules out.
 */
export function nextExecutionWindowStart(window: ExecutionWindow, now: Date): Date {
  const zone = timeZoneNamed(window.timezone);
  if (!zone) throw new RangeError(unknownZone(window.timezone));
  const nowMs = now.getTime();
  if (isInsideWindow(window, zone, nowMs)) return now;
  const today = startOfDay(wallClockAt(zone, nowMs));
  for (let day = today; day <= today + 8 * DAY_MS; day += DAY_MS) {
    // The window switches on only when the clock reaches `start` or jumps at a DST change into the window.
    const switches = [...instantsAtWallClock(zone, day + timeOfDayMs(window.start)), ...dstChangesOn(zone, day)];
    const opening = switches.sort((a, b) => a - b).find((at) => at > nowMs && isInsideWindow(window, zone, at));
    if (opening !== undefined) return new Date(opening);
  }
  throw new RangeError(
    `execution window ${window.days.join(',')} ${window.start}-${window.end} never opens; list at least one day and a start before end`,
  );
}

function untilWakeAt(until: DelayUntil, properties: Record<string, unknown>): { wakeAt: Date } | { error: string } {
  const zone = timeZoneNamed(until.timezone ?? 'UTC');
  if (!zone) return { error: unknownZone(until.timezone ?? 'UTC') };
  const base = baseInstant(until, properties, zone);
  if (typeof base !== 'number') return base;
  let at = base;
  if (until.offset !== undefined) {
    const total = parseDuration(until.offset);
    if (total === undefined) return { error: `offset "${until.offset}" is not a duration` };
    const days = calendarDaysOf(until.offset);
    const shifted = days === 0 ? at : instantAtWallClock(zone, wallClockAt(zone, at) + days * DAY_MS);
    at = shifted + (total - days * DAY_MS);
  }
  if (until.time !== undefined) {
    at = instantAtWallClock(zone, startOfDay(wallClockAt(zone, at)) + timeOfDayMs(until.time));
  }
  return { wakeAt: new Date(at) };
}

function baseInstant(
  until: DelayUntil,
  properties: Record<string, unknown>,
  zone: TimeZone,
): number | { error: string } {
  if (until.date !== undefined) return dateTextInstant(until.date, zone) ?? { error: `"${until.date}" is not a date` };
  if (until.property === undefined) return { error: 'until needs a date or a property' };
  const name = until.property;
  const value = Object.hasOwn(properties, name) ? properties[name] : undefined;
  if (value === undefined || value === null || value === '') return { error: `property "${name}" is not set` };
  const at =
    typeof value === 'number'
      ? epochInstant(value)
      : typeof value === 'string'
        ? dateTextInstant(value, zone)
        : undefined;
  return at ?? { error: `property "${name}" is not a date` };
}

/** An ISO date or date-time; one without an offset is read on the clock of `zone`. */
function dateTextInstant(text: string, zone: TimeZone): number | undefined {
  const parsed = parseIsoDateTime(text);
  if (!parsed) return undefined;
  return parsed.offsetMs === undefined ? instantAtWallClock(zone, parsed.wallMs) : parsed.wallMs - parsed.offsetMs;
}

function epochInstant(ms: number): number | undefined {
  return Number.isNaN(new Date(ms).getTime()) ? undefined : ms;
}

/** Whole days and weeks written in a duration (`-1d` → -1, `P1W2DT3H` → 9): the part that moves by calendar days. */
function calendarDaysOf(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const short = /^-?(\d+)([dw])$/.exec(text);
  if (short) return sign * Number(short[1]) * (short[2] === 'w' ? 7 : 1);
  const iso = /^-?P(?:(\d+)W)?(?:(\d+)D)?/.exec(text);
  return iso ? sign * (Number(iso[1] ?? 0) * 7 + Number(iso[2] ?? 0)) : 0;
}

/** The first instant at or after `now` that falls on one of `days` at `time`; undefined when `days` is empty. */
function nextDayTime(zone: TimeZone, days: Weekday[], time: string, now: number): number | undefined {
  const today = startOfDay(wallClockAt(zone, now));
  for (let day = today; day <= today + 7 * DAY_MS; day += DAY_MS) {
    if (!days.includes(weekdayOf(day))) continue;
    const at = instantAtWallClock(zone, day + timeOfDayMs(time));
    if (at >= now) return at;
  }
  return undefined;
}

function isInsideWindow(window: ExecutionWindow, zone: TimeZone, instant: number): boolean {
  const wall = wallClockAt(zone, instant);
  const sinceMidnight = wall - startOfDay(wall);
  return (
    window.days.includes(weekdayOf(wall)) &&
    sinceMidnight >= timeOfDayMs(window.start) &&
    sinceMidnight < timeOfDayMs(window.end)
  );
}

function unknownZone(name: string): string {
  return `"${name}" is not an IANA time zone`;
}

/** The instant of the DST change (any offset change) on the calendar day starting at wall ms `day`, if any. */
function dstChangesOn(zone: TimeZone, day: number): number[] {
  let before = instantAtWallClock(zone, day);
  let after = instantAtWallClock(zone, day + DAY_MS);
  const offsetAfter = zone.offsetMs(after);
  if (zone.offsetMs(before) === offsetAfter) return [];
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (zone.offsetMs(middle) === offsetAfter) after = middle;
    else before = middle;
  }
  return [after];
}

function weekdayOf(wall: number): Weekday {
  // getUTCDay counts from Sunday = 0.
  return WEEKDAYS[(new Date(wall).getUTCDay() + 6) % 7]!;
}

/** `HH:mm` as milliseconds after midnight. */
function timeOfDayMs(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return ((hours ?? 0) * 60 + (minutes ?? 0)) * MINUTE_MS;
}
