/**
 * IANA time zones read from the runtime's time-zone data through `Intl.DateTimeFormat`, the way luxon's `IANAZone`
 * reads them. Workflow code imports this module (through `wake.ts`), so it stays free of zod and luxon: the workflow
 * bundle runs its module code again for every workflow instance. Pure and deterministic: no clock, no randomness.
 */

/** A named IANA time zone, as `timeZoneNamed` gives it. */
export interface TimeZone {
  /** The name it was asked for, such as `Europe/Berlin`. */
  readonly name: string;
  /**
   * How many milliseconds the clock of the zone is ahead of UTC at `instant` (epoch ms): negative west of Greenwich,
   * to the second for local mean time before standard zones. NaN when `instant` is outside the range of `Date`.
   */
  offsetMs(instant: number): number;
}

/** One formatter per valid zone name: building an `Intl.DateTimeFormat` costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The zone named `name` in the runtime's time-zone data, or undefined when `Intl` does not know it. Delay and
 * execution-window arithmetic reads offsets through it, and the schedule schemas use it to check zone names, so both
 * agree on what a valid zone is.
 */
export function timeZoneNamed(name: string): TimeZone | undefined {
  const formatter = formatterFor(name);
  return formatter && { name, offsetMs: (instant) => offsetMsAt(formatter, instant) };
}

function formatterFor(name: string): Intl.DateTimeFormat | undefined {
  const cached = formatters.get(name);
  if (cached) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (error) {
    // Intl throws a RangeError for a name it does not know: that is the answer, not a failure.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  formatters.set(name, formatter);
  return formatter;
}

/** The clock reading in `formatter`'s zone at `instant`, taken as a UTC time, minus `instant` cut to the second. */
function offsetMsAt(formatter: Intl.DateTimeFormat, instant: number): number {
  const date = new Date(instant);
  const ms = date.getTime();
  if (Number.isNaN(ms)) return NaN;
  const parts = formatter.formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((each) => each.type === type)?.value;
  const numberOf = (type: Intl.DateTimeFormatPartTypes) => Number(part(type));
  // Intl writes the year 0 as 1 BC, -1 as 2 BC, and so on.
  const year = part('era') === 'BC' ? 1 - numberOf('year') : numberOf('year');
  const reading = new Date(0);
  reading.setUTCFullYear(year, numberOf('month') - 1, numberOf('day'));
  reading.setUTCHours(numberOf('hour'), numberOf('minute'), numberOf('second'));
  return reading.getTime() - (ms - (((ms % 1000) + 1000) % 1000));
}
