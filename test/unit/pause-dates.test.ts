import fc from 'fast-check';
import { DateTime } from 'luxon';
import { isCalendarDate, nextEffectStart } from '../../src/domain/pause-dates';
import {
  type ExecutionWindow,
  type PauseDates,
  PauseDatesSchema,
  type Weekday,
  WeekdaySchema,
} from '../../src/domain/schedule';
import { effectWait } from '../../src/domain/steps';
import { Limits } from '../../src/domain/limits';

const MAX_PAUSE_DATES = Limits.pauseDates;
import { WorkflowSettingsSchema } from '../../src/domain/workflow';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const HAVANA = 'America/Havana';
const SANTIAGO = 'America/Santiago';
/** DST at 02:00 or 01:00, half-hour DST, odd offsets, DST at midnight (Havana, Santiago), and none. */
const ZONES = [
  NY,
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Apia',
  'Pacific/Chatham',
  HAVANA,
  SANTIAGO,
  'UTC',
];
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const officeBerlin: ExecutionWindow = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '09:00',
  end: '17:00',
  timezone: BERLIN,
};

function start(schedule: { executionWindow?: ExecutionWindow; pauseDates?: PauseDates }, now: string) {
  const result = nextEffectStart(schedule, new Date(now));
  return { ...result, at: result.at.toISOString() };
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** Date, weekday and HH:mm on the clock of `zone`, read from Intl as an oracle independent of the code under test. */
function clockIn(zone: string, at: number): { date: string; day: Weekday; time: string } {
  let format = clockFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    clockFormats.set(zone, format);
  }
  const parts = new Map(format.formatToParts(at).map((part) => [part.type, part.value]));
  return {
    date: `${parts.get('year')}-${parts.get('month')}-${parts.get('day')}`,
    day: WeekdaySchema.parse(parts.get('weekday')?.toLowerCase()),
    time: `${parts.get('hour')}:${parts.get('minute')}`,
  };
}

/** Whether an action with side effects may run at `at`, by the oracle. */
function mayRun(schedule: { executionWindow?: ExecutionWindow; pauseDates: PauseDates }, at: number): boolean {
  const { executionWindow: window, pauseDates } = schedule;
  if (pauseDates.dates.includes(clockIn(pauseDates.timezone, at).date)) return false;
  if (!window) return true;
  const { day, time } = clockIn(window.timezone, at);
  return window.days.includes(day) && time >= window.start && time < window.end;
}

function isDstChange(zone: string, at: number): boolean {
  return DateTime.fromMillis(at - 1, { zone }).offset !== DateTime.fromMillis(at, { zone }).offset;
}

describe('PauseDatesSchema', () => {
  it.each(['2026-12-25', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])('accepts the date %s', (date) => {
    expect(isCalendarDate(date)).toBe(true);
  });

  it.each(['2026-02-30', '2026-02-29', '2100-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-5', '26-01-05'])(
    'refuses %p, which is not a calendar date',
    (date) => {
      expect(isCalendarDate(date)).toBe(false);
    },
  );

  it('keeps each date once, in calendar order', () => {
    const parsed = PauseDatesSchema.parse({
      dates: ['2026-12-31', '2026-12-25', '2026-12-31', '2026-01-01'],
      timezone: NY,
    });
    expect(parsed).toEqual({ dates: ['2026-01-01', '2026-12-25', '2026-12-31'], timezone: NY });
  });

  it('names the date that is not one, and a zone that is not one', () => {
    const result = WorkflowSettingsSchema.safeParse({
      pauseDates: { dates: ['2026-12-25', '2026-02-30'], timezone: 'Mars/Base' },
    });
    expect(result.error?.issues.map(({ path, message }) => ({ path, message }))).toEqual([
      {
        path: ['pauseDates', 'dates', 1],
        message: '"2026-02-30" is not a calendar date; use YYYY-MM-DD, e.g. 2026-12-25',
      },
      {
        path: ['pauseDates', 'timezone'],
        message: '"Mars/Base" is not an IANA time zone; use a name such as Europe/Berlin or America/New_York',
      },
    ]);
  });

  it(`takes at most ${MAX_PAUSE_DATES} dates, and no other keys`, () => {
    const dates = Array.from({ length: MAX_PAUSE_DATES + 1 }, (_, day) =>
      new Date(Date.UTC(2026, 0, 1) + day * DAY_MS).toISOString().slice(0, 10),
    );
    expect(PauseDatesSchema.safeParse({ dates: dates.slice(1), timezone: NY }).success).toBe(true);
    expect(PauseDatesSchema.safeParse({ dates, timezone: NY }).error?.issues[0]?.path).toEqual(['dates']);
    expect(PauseDatesSchema.safeParse({ dates: [], timezone: NY, note: 'x' }).success).toBe(false);
  });
});

describe('nextEffectStart', () => {
  const christmas: PauseDates = { dates: ['2031-12-24', '2031-12-25', '2031-12-26'], timezone: NY };

  it('returns now itself off the pause dates', () => {
    const now = new Date('2031-12-23T12:34:56.789Z');
    expect(nextEffectStart({ pauseDates: christmas }, now)).toEqual({ at: now });
  });

  it.each<[string, PauseDates, ExecutionWindow | undefined, string, ReturnType<typeof start>]>([
    [
      'on a pause date: the start of the next day that is not one, on the pause dates’ clock',
      christmas,
      undefined,
      '2031-12-24T05:00:00Z',
      { at: '2031-12-27T05:00:00.000Z', onPauseDate: '2031-12-24' },
    ],
    [
      'at the very start of a pause date',
      christmas,
      undefined,
      '2031-12-26T05:00:00Z',
      { at: '2031-12-27T05:00:00.000Z', onPauseDate: '2031-12-26' },
    ],
    [
      'one millisecond before a pause date ends',
      christmas,
      undefined,
      '2031-12-27T04:59:59.999Z',
      { at: '2031-12-27T05:00:00.000Z', onPauseDate: '2031-12-26' },
    ],
    [
      'on a pause date with a window: the window’s next opening after it',
      { dates: ['2031-06-06'], timezone: BERLIN },
      officeBerlin,
      '2031-06-06T10:00:00Z',
      { at: '2031-06-09T07:00:00.000Z', onPauseDate: '2031-06-06' },
    ],
    [
      'outside the window, its opening on a pause date: the opening after that',
      { dates: ['2031-06-06', '2031-06-09'], timezone: BERLIN },
      officeBerlin,
      '2031-06-05T18:00:00Z',
      { at: '2031-06-10T07:00:00.000Z', openingOnPauseDate: '2031-06-06' },
    ],
    [
      'inside the window, off the pause dates: now',
      { dates: ['2031-06-06'], timezone: BERLIN },
      officeBerlin,
      '2031-06-05T10:00:00Z',
      { at: '2031-06-05T10:00:00.000Z' },
    ],
    [
      'pause dates in one zone and the window in another',
      { dates: ['2031-06-06'], timezone: 'Pacific/Kiritimati' },
      officeBerlin,
      // Thursday 18:00 in Berlin is Friday 06:00 in Kiritimati (UTC+14), a pause date there until Friday 12:00 in Berlin.
      '2031-06-05T16:00:00Z',
      { at: '2031-06-06T10:00:00.000Z', onPauseDate: '2031-06-06' },
    ],
    [
      'a midnight in the spring-forward gap: when the clocks jump (Havana, 00:00 → 01:00)',
      { dates: ['2031-03-08'], timezone: HAVANA },
      undefined,
      '2031-03-08T20:00:00Z',
      { at: '2031-03-09T05:00:00.000Z', onPauseDate: '2031-03-08' },
    ],
    [
      'a midnight in the fall-back overlap: the earlier one (Havana, 01:00 → 00:00)',
      { dates: ['2031-11-01'], timezone: HAVANA },
      undefined,
      '2031-11-01T20:00:00Z',
      { at: '2031-11-02T04:00:00.000Z', onPauseDate: '2031-11-01' },
    ],
    [
      'a midnight that is 24:00 → 01:00 (Santiago)',
      { dates: ['2031-09-06'], timezone: SANTIAGO },
      undefined,
      '2031-09-06T20:00:00Z',
      { at: '2031-09-07T04:00:00.000Z', onPauseDate: '2031-09-06' },
    ],
    [
      'a day of 23 hours in New York',
      { dates: ['2031-03-09'], timezone: NY },
      undefined,
      '2031-03-09T05:00:00Z',
      { at: '2031-03-10T04:00:00.000Z', onPauseDate: '2031-03-09' },
    ],
    [
      'Lord Howe across its half-hour fall-back',
      { dates: ['2031-04-06'], timezone: 'Australia/Lord_Howe' },
      undefined,
      '2031-04-05T14:00:00Z',
      { at: '2031-04-06T13:30:00.000Z', onPauseDate: '2031-04-06' },
    ],
  ])('%s', (_label, pauseDates, executionWindow, now, expected) => {
    expect(start({ pauseDates, executionWindow }, now)).toEqual(expected);
  });

  it('goes past a thousand pause dates that cover every opening of the window', () => {
    const dates = Array.from({ length: MAX_PAUSE_DATES }, (_, day) =>
      new Date(Date.UTC(2031, 0, 1) + day * DAY_MS).toISOString().slice(0, 10),
    );
    const firstFree = new Date(Date.UTC(2031, 0, 1) + MAX_PAUSE_DATES * DAY_MS);
    const result = nextEffectStart(
      { pauseDates: { dates, timezone: 'UTC' }, executionWindow: { ...officeBerlin, timezone: 'UTC' } },
      new Date('2031-01-01T12:00:00Z'),
    );
    expect(result.at.getTime()).toBeGreaterThanOrEqual(firstFree.getTime());
    expect(result.at.getTime()).toBeLessThan(firstFree.getTime() + 3 * DAY_MS);
    expect(clockIn('UTC', result.at.getTime()).time).toBe('09:00');
  });
});

describe('effectWait', () => {
  const pauseDates: PauseDates = { dates: ['2031-06-06'], timezone: BERLIN };

  it('does not wait without a window or pause dates, nor off the pause dates inside the window', () => {
    expect(effectWait({}, new Date('2031-06-06T10:00:00Z'))).toBeUndefined();
    expect(effectWait({ pauseDates, executionWindow: officeBerlin }, new Date('2031-06-05T10:00:00Z'))).toBeUndefined();
  });

  it('says a pause date holds the action, and until when', () => {
    expect(effectWait({ pauseDates }, new Date('2031-06-06T10:00:00Z'))).toEqual({
      wakeAt: new Date('2031-06-06T22:00:00.000Z'),
      kind: 'waiting_for_pause_date',
      detail: 'on a pause date (2031-06-06): waiting until 2031-06-06T22:00:00.000Z',
    });
  });

  it('says the window holds the action, and when its opening was on a pause date', () => {
    expect(effectWait({ executionWindow: officeBerlin }, new Date('2031-06-05T18:00:00Z'))).toEqual({
      wakeAt: new Date('2031-06-06T07:00:00.000Z'),
      kind: 'waiting_for_window',
      detail: 'outside the execution window: waiting until 2031-06-06T07:00:00.000Z',
    });
    expect(effectWait({ pauseDates, executionWindow: officeBerlin }, new Date('2031-06-05T18:00:00Z'))).toEqual({
      wakeAt: new Date('2031-06-09T07:00:00.000Z'),
      kind: 'waiting_for_window',
      detail:
        'outside the execution window, whose next opening is on a pause date (2031-06-06): waiting until 2031-06-09T07:00:00.000Z',
    });
  });
});

describe('properties', () => {
  const zoneArb = fc.constantFrom(...ZONES);
  const nowArb = fc.date({
    min: new Date('2025-01-01T00:00:00Z'),
    max: new Date('2045-12-31T00:00:00Z'),
    noInvalidDate: true,
  });
  /** Instants close to DST changes (New York, London, Lord Howe, Chatham, Havana, Santiago), where it is hardest. */
  const nearDstArb = fc
    .tuple(
      fc.constantFrom(
        '2031-03-09T07:00:00Z',
        '2031-11-02T06:00:00Z',
        '2031-03-30T01:00:00Z',
        '2031-10-26T01:00:00Z',
        '2031-04-05T15:00:00Z',
        '2031-10-04T15:30:00Z',
        '2031-04-05T14:00:00Z',
        '2031-09-27T14:00:00Z',
        '2031-03-09T05:00:00Z',
        '2031-11-02T05:00:00Z',
        '2031-09-07T04:00:00Z',
        '2031-04-06T03:00:00Z',
      ),
      fc.integer({ min: -3 * DAY_MS, max: 3 * DAY_MS }),
    )
    .map(([change, shift]) => new Date(Date.parse(change) + shift));
  const anyNowArb = fc.oneof(nowArb, nearDstArb);
  const timeArb = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45, 59))
    .map(([hours, minutes]) => `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`);
  const windowArb = fc
    .tuple(fc.subarray([...WeekdaySchema.options], { minLength: 1 }), timeArb, timeArb, zoneArb)
    .filter(([, a, b]) => a !== b)
    .map(([days, a, b, timezone]): ExecutionWindow => ({ days, start: a < b ? a : b, end: a < b ? b : a, timezone }));
  /** Pause dates near `now` (a run of them often), on the clock of their zone. */
  const scheduleArb = fc
    .tuple(
      anyNowArb,
      zoneArb,
      fc.uniqueArray(fc.integer({ min: -2, max: 8 }), { maxLength: 8 }),
      fc.option(windowArb, { nil: undefined }),
    )
    .map(([now, timezone, offsets, executionWindow]) => {
      const today = Date.parse(clockIn(timezone, now.getTime()).date);
      const dates = offsets.map((offset) => new Date(today + offset * DAY_MS).toISOString().slice(0, 10));
      return { now, schedule: { pauseDates: PauseDatesSchema.parse({ dates, timezone }), executionWindow } };
    });

  it('the start is at or after now, off the pause dates, inside the window, the earliest such moment, and stable', () => {
    fc.assert(
      fc.property(scheduleArb, ({ now, schedule }) => {
        const result = nextEffectStart(schedule, now);
        const at = result.at.getTime();
        expect(at).toBeGreaterThanOrEqual(now.getTime());
        expect(mayRun(schedule, at)).toBe(true);
        expect(nextEffectStart(schedule, result.at)).toEqual({ at: result.at });
        // These zones change offset only on whole minutes, so the clocks are constant within each minute.
        for (let t = Math.ceil(now.getTime() / MINUTE_MS) * MINUTE_MS; t < at; t += MINUTE_MS) {
          if (mayRun(schedule, t)) throw new Error(`could run already at ${new Date(t).toISOString()}`);
        }
        if (at > now.getTime()) expect(mayRun(schedule, now.getTime())).toBe(false);
        const { date } = clockIn(schedule.pauseDates.timezone, now.getTime());
        expect(result.onPauseDate).toBe(schedule.pauseDates.dates.includes(date) ? date : undefined);
      }),
      { numRuns: 100 },
    );
  });

  it('without a window, a pause date ends at 00:00 of the next day, or when the clocks jump past it', () => {
    fc.assert(
      fc.property(scheduleArb, ({ now, schedule: { pauseDates } }) => {
        const result = nextEffectStart({ pauseDates }, now);
        const at = result.at.getTime();
        if (!result.onPauseDate) return expect(at).toBe(now.getTime());
        const clock = clockIn(pauseDates.timezone, at);
        expect(pauseDates.dates).not.toContain(clock.date);
        expect(pauseDates.dates).toContain(clockIn(pauseDates.timezone, at - 1).date);
        if (clock.time !== '00:00') expect(isDstChange(pauseDates.timezone, at)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('effectWait waits until nextEffectStart and names what holds the action', () => {
    fc.assert(
      fc.property(scheduleArb, ({ now, schedule }) => {
        const wait = effectWait(schedule, now);
        const result = nextEffectStart(schedule, now);
        if (result.at.getTime() === now.getTime()) return expect(wait).toBeUndefined();
        expect(wait?.wakeAt).toEqual(result.at);
        expect(wait?.kind).toBe(result.onPauseDate ? 'waiting_for_pause_date' : 'waiting_for_window');
        expect(wait?.detail).toContain(`waiting until ${result.at.toISOString()}`);
      }),
      { numRuns: 200 },
    );
  });
});
