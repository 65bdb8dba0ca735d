/**
 * ISO-8601 dates and date-times as delays read them (`until.date`, record properties): `YYYY-MM-DD`, optionally
 * `THH:mm`, `:ss`, `.fraction`, then `Z`, `±HH`, `±HHMM` or `±HH:MM`. Workflow code imports this module (through
 * `wake.ts`), so it stays free of zod and luxon. Results equal luxon's `DateTime.fromISO(text, { zone: 'utc' })`,
 * which read these texts before, for every text, so wake times of running workflows stay the same on replay.
 */

/** A parsed ISO date or date-time. */
export interface IsoDateTime {
  /** The date and time written, as milliseconds since 1970-01-01T00:00 on the same clock. */
  wallMs: number;
  /** The offset written (`Z` is 0), in milliseconds ahead of UTC; undefined when the text has none. */
  offsetMs: number | undefined;
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * `text` parsed, or undefined when it is not of the form above or names a time that does not exist (month 13,
 * 2023-02-29, 12:60). As luxon did: `24:00` is midnight at the end of the day, the fraction of a second is cut to
 * the millisecond (a fraction of more than 30 digits is not read), and any offset up to ±99:99 is taken as written.
 */
export function parseIsoDateTime(text: string): IsoDateTime | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const field = (group: number): number => Number(match[group] ?? 0);
  const year = field(1);
  const month = field(2);
  const day = field(3);
  const hour = field(4);
  const minute = field(5);
  const second = field(6);
  const fraction = match[7] ?? '';
  if (fraction.length > 30) return undefined;
  // Luxon's reading of the fraction, in floating point: .99999999999999999 makes 1000 ms, out of range.
  const millisecond = Math.floor(Number(`0.${fraction}`) * 1000);
  const endOfDay = hour === 24 && minute === 0 && second === 0 && millisecond === 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if ((hour > 23 && !endOfDay) || minute > 59 || second > 59 || millisecond > 999) return undefined;
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  // Luxon read 24:00 in the years 0-99 as the start of the day, not its end; kept so that results stay the same.
  wall.setUTCHours(endOfDay && year < 100 ? 0 : hour, minute, second, millisecond);
  const sign = match[9] === '-' ? -1 : 1;
  const offsetMs =
    match[8] === 'Z' ? 0 : match[9] === undefined ? undefined : sign * (field(10) * HOUR_MS + field(11) * MINUTE_MS);
  return { wallMs: wall.getTime(), offsetMs };
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}
