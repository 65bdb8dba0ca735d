import { z } from 'zod';
import { parseDuration } from './duration';
import { isCalendarDate } from './pause-dates';
import { timeZoneNamed } from './time-zone';
import { WEEKDAYS } from './wake';
import { Limits } from './limits';

/**
 * The schemas of delays, execution windows and pause dates, and of the durations they are written with. What they
 * mean in time is in `wake.ts` and `pause-dates.ts`, which workflow code imports; this module builds zod schemas, so
 * workflow code must not import it other than with `import type` (the workflow bundle runs module code again for
 * every workflow instance).
 */

/** A non-negative duration string of at most 10 years, validated at the edge so workflows can trust it. */
export const DurationSchema = z
  .string()
  .max(64)
  .refine(
    (text) => (parseDuration(text) ?? -1) >= 0,
    'use an ISO-8601 duration (PT30M, P3D) or 30s, 15m, 2h, 3d, 1w, of at most 10 years',
  )
  .describe('a duration: 30s, 15m, 2h, 3d, 1w or ISO-8601 (PT30M, P3D); at most 10 years');

export const WeekdaySchema = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof WeekdaySchema>;

/** A wall-clock time of day, `HH:mm` on a 24-hour clock. */
export const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:mm (24-hour)');

/** An IANA time zone name such as `Europe/Berlin`, checked against the runtime's time-zone data. */
export const TimezoneSchema = z.string().refine((name) => timeZoneNamed(name) !== undefined, {
  error: (issue) =>
    `"${String(issue.input)}" is not an IANA time zone; use a name such as Europe/Berlin or America/New_York`,
});

const UntilSchema = z
  .object({
    date: z.iso.datetime({ offset: true, error: 'use an ISO-8601 instant with an offset, e.g. 2031-05-01T09:00:00Z' }),
    property: z.string().min(1).max(100),
    offset: z
      .string()
      .max(64)
      .refine(
        (text) => parseDuration(text) !== undefined,
        'use a signed duration such as -1d, 2h or -PT30M, of at most 10 years',
      ),
    time: TimeOfDaySchema,
    timezone: TimezoneSchema,
  })
  .partial()
  .strict()
  .refine(
    (until) => (until.date === undefined) !== (until.property === undefined),
    'give exactly one of date or property',
  )
  .refine((until) => until.time === undefined || until.timezone !== undefined, {
    message: 'time needs a timezone to say whose clock it is',
    path: ['timezone'],
  });

const DayTimeSchema = z
  .object({ days: z.array(WeekdaySchema).min(1), time: TimeOfDaySchema, timezone: TimezoneSchema })
  .strict();

/**
 * A delay: a fixed duration (`for`), until a moment (`until`: a date or a record property holding one, moved by
 * `offset` and then to `time` on that day), or until the next listed weekday at a time (`untilDayTime`).
 */
export const DelayConfigSchema = z.union([
  z.object({ for: DurationSchema }).strict(),
  z.object({ until: UntilSchema }).strict(),
  z.object({ untilDayTime: DayTimeSchema }).strict(),
]);
export type DelayConfig = z.infer<typeof DelayConfigSchema>;

/** The days and hours (`start` inclusive, `end` exclusive, on the clock of `timezone`) in which actions may run. */
export const ExecutionWindowSchema = z
  .object({
    days: z.array(WeekdaySchema).min(1),
    start: TimeOfDaySchema,
    end: TimeOfDaySchema,
    timezone: TimezoneSchema,
  })
  .strict()
  .refine((window) => window.start < window.end, {
    message: 'end must be after start; a window cannot cross midnight, list the following day instead',
    path: ['end'],
  });
export type ExecutionWindow = z.infer<typeof ExecutionWindowSchema>;

/** A calendar day, `YYYY-MM-DD`, that exists. */
export const CalendarDateSchema = z.string().refine(isCalendarDate, {
  error: (issue) => `"${String(issue.input)}" is not a calendar date; use YYYY-MM-DD, e.g. 2026-12-25`,
});

/**
 * Whole days (00:00 to 00:00 on the clock of `timezone`) on which actions with side effects do not run; they wait
 * for the next day that is not one. Stored without duplicates, in calendar order.
 */
export const PauseDatesSchema = z
  .object({
    dates: z
      .array(CalendarDateSchema)
      .max(Limits.pauseDates)
      .transform((dates) => [...new Set(dates)].sort()),
    timezone: TimezoneSchema,
  })
  .strict();
export type PauseDates = z.infer<typeof PauseDatesSchema>;
