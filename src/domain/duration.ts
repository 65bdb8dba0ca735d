/**
 * Durations as workflow definitions write them. Workflow code imports this module (through `wake.ts`), so it must
 * stay free of zod, directly and through its imports: the workflow bundle runs its module code again for every
 * workflow instance. The schema that validates durations, `DurationSchema`, is in `schedule.ts`.
 */

const SHORTHAND = /^(-)?(\d+)(s|m|h|d|w)$/;
const ISO = /^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * The longest duration a definition may hold, either way: 10 years of 365.25 days. A longer one is refused at input
 * and read as no duration, so no date a delay or a due date computes from one can overflow.
 */
export const MAX_DURATION_MS = 10 * 365.25 * 86_400_000;

/**
 * Parses a duration written as ISO-8601 (`PT30M`, `P3D`, `P1W`) or shorthand (`30s`, `15m`, `2h`, `3d`, `1w`),
 * optionally signed (`-1d`), into milliseconds. Returns `undefined` when the text is not a duration, or is one longer
 * than `MAX_DURATION_MS`.
 * Days are fixed 24-hour spans here; calendar-aware arithmetic belongs to the delay functions.
 */
export function parseDuration(text: string): number | undefined {
  const ms = parseAnyDuration(text);
  return ms !== undefined && Math.abs(ms) <= MAX_DURATION_MS ? ms : undefined;
}

function parseAnyDuration(text: string): number | undefined {
  const short = SHORTHAND.exec(text);
  if (short) {
    const [, sign, amount, unit] = short;
    return (sign ? -1 : 1) * Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  const iso = ISO.exec(text);
  if (!iso || text === 'P' || text.endsWith('T')) return undefined;
  const [, sign, weeks, days, hours, minutes, seconds] = iso;
  const ms =
    Number(weeks ?? 0) * UNIT_MS.w +
    Number(days ?? 0) * UNIT_MS.d +
    Number(hours ?? 0) * UNIT_MS.h +
    Number(minutes ?? 0) * UNIT_MS.m +
    Number(seconds ?? 0) * UNIT_MS.s;
  return (sign ? -1 : 1) * ms;
}
