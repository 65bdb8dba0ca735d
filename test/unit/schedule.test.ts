import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  type DelayConfig,
  DelayConfigSchema,
  type ExecutionWindow,
  ExecutionWindowSchema,
  TimeOfDaySchema,
  TimezoneSchema,
  type Weekday,
  WeekdaySchema,
} from '../../src/domain/schedule';
import { delayWakeAt, nextExecutionWindowStart } from '../../src/domain/wake';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const SYDNEY = 'Australia/Sydney';
const KOLKATA = 'Asia/Kolkata';
const ZONES = [NY, BERLIN, SYDNEY, KOLKATA, 'UTC'];
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

type UntilConfig = Extract<DelayConfig, { until: unknown }>['until'];

/** The wake-up instant as ISO text, or the error, so a failed expectation shows both. */
function wake(config: DelayConfig, now: string, properties: Record<string, unknown> = {}): string {
  const result = delayWakeAt(config, new Date(now), properties);
  return 'wakeAt' in result ? result.wakeAt.toISOString() : `error: ${result.error}`;
}

function opening(window: ExecutionWindow, now: string): string {
  return nextExecutionWindowStart(window, new Date(now)).toISOString();
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** Weekday and HH:mm on the clock of `zone`, read from Intl as an oracle independent of the code under test. */
function clockIn(zone: string, at: number): { day: Weekday; time: string } {
  let format = clockFormats.get(zone);
  if (!format) {
    const options = { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
    format = new Intl.DateTimeFormat('en-US', options);
    clockFormats.set(zone, format);
  }
  const parts = new Map(format.formatToParts(at).map((part) => [part.type, part.value]));
  return {
    day: WeekdaySchema.parse(parts.get('weekday')?.toLowerCase()),
    time: `${parts.get('hour')}:${parts.get('minute')}`,
  };
}

function insideOracle(window: ExecutionWindow, at: number): boolean {
  const { day, time } = clockIn(window.timezone, at);
  return window.days.includes(day) && time >= window.start && time < window.end;
}

/** True when the offset of `zone` changes at `at`, i.e. `at` is the first instant after a DST gap. */
function isDstChange(zone: string, at: number): boolean {
  return DateTime.fromMillis(at - 1, { zone }).offset !== DateTime.fromMillis(at, { zone }).offset;
}

const zoneArb = fc.constantFrom(...ZONES);
const nowArb = fc.date({
  min: new Date('2025-01-01T00:00:00Z'),
  max: new Date('2045-12-31T00:00:00Z'),
  noInvalidDate: true,
});
const daysArb = fc.subarray([...WeekdaySchema.options], { minLength: 1 });
const timeArb = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([hours, minutes]) => `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`);
/** Night hours are over-weighted so DST gaps and overlaps come up. */
const nightTimeArb = fc.oneof(
  timeArb,
  fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `0${h}:${m < 10 ? '0' : ''}${m}`),
);
/** Instants close to the DST changes of 2031 and 2040, where the arithmetic is hardest. */
const nearDstArb = fc
  .tuple(
    fc.constantFrom(
      '2031-03-09T07:00:00Z',
      '2031-11-02T06:00:00Z',
      '2031-03-30T01:00:00Z',
      '2031-10-26T01:00:00Z',
      '2031-04-05T16:00:00Z',
      '2031-10-04T16:00:00Z',
      '2040-03-11T07:00:00Z',
      '2040-11-04T06:00:00Z',
    ),
    fc.integer({ min: -3 * DAY_MS, max: 3 * DAY_MS }),
  )
  .map(([change, shift]) => new Date(Date.parse(change) + shift));
const anyNowArb = fc.oneof(nowArb, nearDstArb);

describe('schemas', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC'])('accepts the time zone %s', (zone) => {
    expect(TimezoneSchema.safeParse(zone).success).toBe(true);
  });

  it.each(['Mars/Base', '', 'GMT+25', 'Berlin'])('rejects the time zone %p and names it', (zone) => {
    const result = TimezoneSchema.safeParse(zone);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      `"${zone}" is not an IANA time zone; use a name such as Europe/Berlin or America/New_York`,
    );
  });

  it.each(['00:00', '09:05', '23:59'])('accepts the time %s', (time) => {
    expect(TimeOfDaySchema.safeParse(time).success).toBe(true);
  });

  it.each(['24:00', '9:00', '12:60', '09:00:00', 'noon'])('rejects the time %p', (time) => {
    expect(TimeOfDaySchema.safeParse(time).error?.issues[0]?.message).toBe('use HH:mm (24-hour)');
  });

  it.each<[string, unknown]>([
    ['a duration', { for: '2h' }],
    ['a date', { until: { date: '2031-05-01T09:00:00Z' } }],
    [
      'a date with an offset and time',
      { until: { date: '2031-05-01T09:00:00+02:00', offset: '-1d', time: '08:00', timezone: BERLIN } },
    ],
    ['a property', { until: { property: 'renewalDate', offset: '-PT2H' } }],
    ['a weekday and time', { untilDayTime: { days: ['mon', 'fri'], time: '09:00', timezone: KOLKATA } }],
  ])('accepts a delay with %s', (_label, config) => {
    expect(DelayConfigSchema.safeParse(config).data).toEqual(config);
  });

  it.each<[string, unknown, (string | number)[], string]>([
    [
      'a negative duration',
      { for: '-1d' },
      ['for'],
      'use an ISO-8601 duration (PT30M, P3D) or 30s, 15m, 2h, 3d, 1w, of at most 10 years',
    ],
    [
      'time without timezone',
      { until: { date: '2031-05-01T09:00:00Z', time: '09:00' } },
      ['until', 'timezone'],
      'time needs a timezone to say whose clock it is',
    ],
    [
      'both date and property',
      { until: { date: '2031-05-01T09:00:00Z', property: 'renewalDate' } },
      ['until'],
      'give exactly one of date or property',
    ],
    ['neither date nor property', { until: { offset: '1d' } }, ['until'], 'give exactly one of date or property'],
    [
      'a date without an offset',
      { until: { date: '2031-05-01T09:00:00' } },
      ['until', 'date'],
      'use an ISO-8601 instant with an offset, e.g. 2031-05-01T09:00:00Z',
    ],
    [
      'an offset that is not a duration',
      { until: { property: 'renewalDate', offset: 'a day before' } },
      ['until', 'offset'],
      'use a signed duration such as -1d, 2h or -PT30M, of at most 10 years',
    ],
    [
      'an unknown time zone',
      { untilDayTime: { days: ['mon'], time: '09:00', timezone: 'Europe/Atlantis' } },
      ['untilDayTime', 'timezone'],
      '"Europe/Atlantis" is not an IANA time zone; use a name such as Europe/Berlin or America/New_York',
    ],
  ])('rejects a delay with %s', (_label, config, path, message) => {
    const issues = DelayConfigSchema.safeParse(config).error?.issues ?? [];
    expect(issues).toContainEqual(expect.objectContaining({ path, message }));
  });

  it('rejects a weekday and time without days', () => {
    const result = DelayConfigSchema.safeParse({ untilDayTime: { days: [], time: '09:00', timezone: 'UTC' } });
    expect(result.error?.issues).toContainEqual(expect.objectContaining({ path: ['untilDayTime', 'days'] }));
  });

  it('rejects unknown keys and mixed shapes', () => {
    expect(DelayConfigSchema.safeParse({ for: '1h', until: { date: '2031-05-01T09:00:00Z' } }).success).toBe(false);
    expect(DelayConfigSchema.safeParse({ until: { date: '2031-05-01T09:00:00Z', zone: 'UTC' } }).success).toBe(false);
  });

  it('accepts a window and rejects one whose end is not after its start', () => {
    const window = { days: ['mon', 'tue'], start: '09:00', end: '17:00', timezone: BERLIN };
    expect(ExecutionWindowSchema.safeParse(window).data).toEqual(window);
    for (const end of ['09:00', '08:59']) {
      expect(ExecutionWindowSchema.safeParse({ ...window, end }).error?.issues).toEqual([
        expect.objectContaining({
          path: ['end'],
          message: 'end must be after start; a window cannot cross midnight, list the following day instead',
        }),
      ]);
    }
    expect(ExecutionWindowSchema.safeParse({ ...window, timezone: 'CET+1' }).success).toBe(false);
    expect(ExecutionWindowSchema.safeParse({ ...window, days: [] }).success).toBe(false);
  });
});

describe('delayWakeAt', () => {
  describe('for', () => {
    it.each([
      ['2h', '2031-06-03T06:00:00.000Z', '2031-06-03T08:00:00.000Z'],
      ['PT30M', '2040-02-29T23:45:00.000Z', '2040-03-01T00:15:00.000Z'],
      // A day of `for` is 24 hours even across New York's spring-forward night.
      ['P1D', '2031-03-08T12:00:00.000Z', '2031-03-09T12:00:00.000Z'],
      ['0s', '2031-06-03T06:00:00.000Z', '2031-06-03T06:00:00.000Z'],
    ])('waits %s from %s', (duration, now, expected) => {
      expect(wake({ for: duration }, now)).toBe(expected);
    });
  });

  describe('at most 10 years ahead', () => {
    const now = new Date('2031-06-03T06:00:00Z');
    it.each<[string, DelayConfig]>([
      ['a duration a stored definition holds from before the limit', { for: '99999999999999d' }],
      ['a date property 20 years ahead', { until: { property: 'renewal' } }],
      ['a date 11 years ahead', { until: { date: '2042-06-03T06:00:00Z' } }],
    ])('refuses %s instead of an invalid timer', (_what, config) => {
      expect(delayWakeAt(config, now, { renewal: '2051-06-03T06:00:00Z' })).toEqual({
        error: expect.stringMatching(/not a duration|more than 10 years/),
      });
    });

    it('waits 9 years', () => {
      expect(delayWakeAt({ until: { date: '2040-06-03T06:00:00Z' } }, now, {})).toEqual({
        wakeAt: new Date('2040-06-03T06:00:00Z'),
      });
    });
  });

  describe('until a date', () => {
    it.each<[string, UntilConfig, string]>([
      ['the date itself', { date: '2040-06-15T09:30:00+05:30' }, '2040-06-15T04:00:00.000Z'],
      ['a date already past, as it is', { date: '2020-01-01T00:00:00Z' }, '2020-01-01T00:00:00.000Z'],
      ['a fixed -2d without a timezone', { date: '2031-03-10T14:00:00Z', offset: '-2d' }, '2031-03-08T14:00:00.000Z'],
      [
        '-2d in New York across spring-forward, keeping 10:00',
        { date: '2031-03-10T14:00:00Z', offset: '-2d', timezone: NY },
        '2031-03-08T15:00:00.000Z',
      ],
      [
        '-1w in New York across fall-back, keeping 10:00',
        { date: '2031-11-05T15:00:00Z', offset: '-1w', timezone: NY },
        '2031-10-29T14:00:00.000Z',
      ],
      [
        'P1DT2H in Berlin across fall-back: a calendar day, then two hours',
        { date: '2031-10-25T10:00:00+02:00', offset: 'P1DT2H', timezone: BERLIN },
        '2031-10-26T11:00:00.000Z',
      ],
      [
        'PT48H in Berlin across fall-back: fixed hours',
        { date: '2031-10-25T10:00:00+02:00', offset: 'PT48H', timezone: BERLIN },
        '2031-10-27T08:00:00.000Z',
      ],
      [
        '09:00 Berlin the day before',
        { date: '2031-06-01T22:00:00Z', offset: '-1d', time: '09:00', timezone: BERLIN },
        '2031-06-01T07:00:00.000Z',
      ],
      [
        '09:00 in Kolkata',
        { date: '2040-06-15T20:00:00Z', time: '09:00', timezone: KOLKATA },
        '2040-06-16T03:30:00.000Z',
      ],
      ['09:00 in UTC', { date: '2040-06-15T20:00:00Z', time: '09:00', timezone: 'UTC' }, '2040-06-15T09:00:00.000Z'],
      [
        '02:30 New York in the spring-forward gap: when the clocks jump, 03:00 EDT',
        { date: '2031-03-09T12:00:00Z', time: '02:30', timezone: NY },
        '2031-03-09T07:00:00.000Z',
      ],
      [
        '01:30 New York on fall-back night: the earlier, EDT',
        { date: '2031-11-02T12:00:00Z', time: '01:30', timezone: NY },
        '2031-11-02T05:30:00.000Z',
      ],
      [
        '02:30 Berlin in the spring-forward gap: 03:00 CEST',
        { date: '2031-03-30T12:00:00Z', time: '02:30', timezone: BERLIN },
        '2031-03-30T01:00:00.000Z',
      ],
      [
        '02:30 Berlin on fall-back night: the earlier, CEST',
        { date: '2031-10-26T12:00:00Z', time: '02:30', timezone: BERLIN },
        '2031-10-26T00:30:00.000Z',
      ],
      [
        '02:30 Sydney in the spring-forward gap (October): 03:00 AEDT',
        { date: '2031-10-05T01:00:00Z', time: '02:30', timezone: SYDNEY },
        '2031-10-04T16:00:00.000Z',
      ],
      [
        '02:30 Sydney on fall-back night (April): the earlier, AEDT',
        { date: '2031-04-06T01:00:00Z', time: '02:30', timezone: SYDNEY },
        '2031-04-05T15:30:00.000Z',
      ],
      [
        '-1d from a Berlin date landing in the gap: when the clocks jump',
        { date: '2040-03-26T02:30:00+02:00', offset: '-1d', timezone: BERLIN },
        '2040-03-25T01:00:00.000Z',
      ],
    ])('waits until %s', (_label, until, expected) => {
      expect(wake({ until }, '2031-01-01T00:00:00Z')).toBe(expected);
    });
  });

  describe('until a property', () => {
    const renewal = (properties: Record<string, unknown>, extra: Record<string, string> = {}) =>
      wake({ until: { property: 'renewalDate', ...extra } }, '2031-01-01T00:00:00Z', properties);

    it.each<[string, unknown, Record<string, string>, string]>([
      ['an ISO instant', '2040-06-15T09:30:00.000Z', {}, '2040-06-15T09:30:00.000Z'],
      ['an ISO instant with an offset', '2040-06-15T09:30:00-04:00', { timezone: BERLIN }, '2040-06-15T13:30:00.000Z'],
      ['a date, at 00:00 UTC', '2040-06-15', {}, '2040-06-15T00:00:00.000Z'],
      ['a date, at 00:00 in Kolkata', '2040-06-15', { timezone: KOLKATA }, '2040-06-14T18:30:00.000Z'],
      [
        'a date and time without offset, in Berlin',
        '2031-10-26T02:30',
        { timezone: BERLIN },
        '2031-10-26T00:30:00.000Z',
      ],
      ['epoch milliseconds', Date.parse('2040-06-15T09:30:00Z'), {}, '2040-06-15T09:30:00.000Z'],
      [
        'a date, the day before at 09:00 in Sydney',
        '2031-10-06',
        { offset: '-1d', time: '09:00', timezone: SYDNEY },
        '2031-10-04T22:00:00.000Z',
      ],
      ['a date in the past, as it is', '2019-05-01', { time: '09:00', timezone: NY }, '2019-05-01T13:00:00.000Z'],
    ])('reads %s', (_label, value, extra, expected) => {
      expect(renewal({ renewalDate: value }, extra)).toBe(expected);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['missing', {}, 'error: property "renewalDate" is not set'],
      ['null', { renewalDate: null }, 'error: property "renewalDate" is not set'],
      ['empty', { renewalDate: '' }, 'error: property "renewalDate" is not set'],
      ['words', { renewalDate: 'next tuesday' }, 'error: property "renewalDate" is not a date'],
      ['an impossible date', { renewalDate: '2031-02-30' }, 'error: property "renewalDate" is not a date'],
      ['a time alone', { renewalDate: '09:00' }, 'error: property "renewalDate" is not a date'],
      ['a boolean', { renewalDate: true }, 'error: property "renewalDate" is not a date'],
      ['a number out of range', { renewalDate: 1e20 }, 'error: property "renewalDate" is not a date'],
    ])('reports a property that is %s', (_label, properties, expected) => {
      expect(renewal(properties)).toBe(expected);
    });

    it('does not read inherited properties', () => {
      expect(wake({ until: { property: 'constructor' } }, '2031-01-01T00:00:00Z', {})).toBe(
        'error: property "constructor" is not set',
      );
    });
  });

  describe('untilDayTime', () => {
    it.each<[string, Weekday[], string, string, string, string]>([
      ['later the same day', ['tue'], '09:00', BERLIN, '2031-06-03T06:00:00Z', '2031-06-03T07:00:00.000Z'],
      [
        'a week on once the time has passed',
        ['tue'],
        '09:00',
        BERLIN,
        '2031-06-03T08:00:00Z',
        '2031-06-10T07:00:00.000Z',
      ],
      ['now, exactly at the time', ['tue'], '09:00', BERLIN, '2031-06-03T07:00:00Z', '2031-06-03T07:00:00.000Z'],
      ['the next listed day', ['mon', 'fri'], '09:00', BERLIN, '2031-06-03T06:00:00Z', '2031-06-06T07:00:00.000Z'],
      [
        'Monday across spring-forward, in EDT',
        ['mon'],
        '09:00',
        NY,
        '2031-03-07T15:00:00Z',
        '2031-03-10T13:00:00.000Z',
      ],
      ['Monday across fall-back, in EST', ['mon'], '09:00', NY, '2031-10-31T15:00:00Z', '2031-11-03T14:00:00.000Z'],
      [
        'a time in the gap: when the clocks jump',
        ['sun'],
        '02:30',
        NY,
        '2031-03-08T12:00:00Z',
        '2031-03-09T07:00:00.000Z',
      ],
      ['a repeated time: the earlier', ['sun'], '01:30', NY, '2031-11-01T12:00:00Z', '2031-11-02T05:30:00.000Z'],
      [
        'a repeated time already past once: next week',
        ['sun'],
        '01:30',
        NY,
        '2031-11-02T05:45:00Z',
        '2031-11-09T06:30:00.000Z',
      ],
      ['Berlin gap', ['sun'], '02:00', BERLIN, '2040-03-24T12:00:00Z', '2040-03-25T01:00:00.000Z'],
      ['Berlin overlap', ['sun'], '02:59', BERLIN, '2040-10-27T12:00:00Z', '2040-10-28T00:59:00.000Z'],
      ['Sydney, a day ahead of UTC', ['mon'], '08:00', SYDNEY, '2031-06-01T23:00:00Z', '2031-06-08T22:00:00.000Z'],
      ['Kolkata', ['fri'], '23:30', KOLKATA, '2040-06-15T17:00:00Z', '2040-06-15T18:00:00.000Z'],
      ['UTC, past midnight', ['sat'], '00:00', 'UTC', '2040-06-15T23:59:59.999Z', '2040-06-16T00:00:00.000Z'],
    ])('wakes %s', (_label, days, time, timezone, now, expected) => {
      expect(wake({ untilDayTime: { days, time, timezone } }, now)).toBe(expected);
    });
  });
});

describe('nextExecutionWindowStart', () => {
  const officeBerlin: ExecutionWindow = {
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: '09:00',
    end: '17:00',
    timezone: BERLIN,
  };

  it('returns now itself inside the window', () => {
    const now = new Date('2031-06-03T10:12:34.567Z');
    expect(nextExecutionWindowStart(officeBerlin, now)).toBe(now);
  });

  it.each<[string, ExecutionWindow, string, string]>([
    ['at the exact start: now', officeBerlin, '2031-06-03T07:00:00Z', '2031-06-03T07:00:00.000Z'],
    ['before the start: today', officeBerlin, '2031-06-03T05:00:00Z', '2031-06-03T07:00:00.000Z'],
    ['at the exact end: tomorrow', officeBerlin, '2031-06-03T15:00:00Z', '2031-06-04T07:00:00.000Z'],
    ['one millisecond before the end: now', officeBerlin, '2031-06-03T14:59:59.999Z', '2031-06-03T14:59:59.999Z'],
    ['overnight on Friday: Monday morning', officeBerlin, '2031-06-06T21:00:00Z', '2031-06-09T07:00:00.000Z'],
    [
      'a weekend window from midweek',
      { days: ['sat', 'sun'], start: '10:00', end: '14:00', timezone: SYDNEY },
      '2031-06-04T02:00:00Z',
      '2031-06-07T00:00:00.000Z',
    ],
    [
      'New York across spring-forward: Monday 09:00 EDT',
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', timezone: NY },
      '2031-03-07T23:00:00Z',
      '2031-03-10T13:00:00.000Z',
    ],
    [
      'Berlin across fall-back: Sunday 08:00 CET',
      { days: ['sun'], start: '08:00', end: '09:00', timezone: BERLIN },
      '2031-10-25T08:00:00Z',
      '2031-10-26T07:00:00.000Z',
    ],
    [
      'a start in the gap: when the clocks jump',
      { days: ['sun'], start: '02:30', end: '04:00', timezone: NY },
      '2031-03-08T12:00:00Z',
      '2031-03-09T07:00:00.000Z',
    ],
    [
      'a window wholly in the gap: the next week',
      { days: ['sun'], start: '02:10', end: '02:50', timezone: NY },
      '2031-03-08T12:00:00Z',
      '2031-03-16T06:10:00.000Z',
    ],
    [
      'a repeated hour: open again when its start comes round',
      { days: ['sun'], start: '01:15', end: '01:45', timezone: NY },
      '2031-11-02T05:50:00Z',
      '2031-11-02T06:15:00.000Z',
    ],
    [
      'a repeated hour: open again when the clocks fall back into it',
      { days: ['sun'], start: '01:00', end: '01:45', timezone: NY },
      '2031-11-02T05:50:00Z',
      '2031-11-02T06:00:00.000Z',
    ],
    [
      'Kolkata',
      { days: ['fri'], start: '09:00', end: '18:00', timezone: KOLKATA },
      '2040-06-15T13:00:00Z',
      '2040-06-22T03:30:00.000Z',
    ],
    [
      'UTC, the whole day',
      { days: ['thu'], start: '00:00', end: '23:59', timezone: 'UTC' },
      '2040-02-29T23:59:00Z',
      '2040-03-01T00:00:00.000Z',
    ],
  ])('opens %s', (_label, window, now, expected) => {
    expect(opening(window, now)).toBe(expected);
  });

  it('refuses a window that never opens', () => {
    expect(() => opening({ ...officeBerlin, days: [] }, '2031-06-03T05:00:00Z')).toThrow(RangeError);
  });
});

describe('properties', () => {
  it('a delay `for` ends exactly the duration after now, up to 10 years, and is refused beyond', () => {
    fc.assert(
      fc.property(
        nowArb,
        fc.integer({ min: 0, max: 100_000 }),
        fc.constantFrom('s', 'm', 'h', 'd', 'w'),
        (now, n, unit) => {
          const ms = n * { s: 1_000, m: MINUTE_MS, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS }[unit];
          const expected =
            ms <= 10 * 365.25 * DAY_MS ? { wakeAt: new Date(now.getTime() + ms) } : { error: expect.any(String) };
          expect(delayWakeAt({ for: `${n}${unit}` }, now, {})).toEqual(expected);
        },
      ),
    );
  });

  it('untilDayTime wakes within a week, on a listed day, showing the time unless it is in a DST gap', () => {
    fc.assert(
      fc.property(anyNowArb, daysArb, nightTimeArb, zoneArb, (now, days, time, timezone) => {
        const result = delayWakeAt({ untilDayTime: { days, time, timezone } }, now, {});
        if (!('wakeAt' in result)) throw new Error(result.error);
        const at = result.wakeAt.getTime();
        expect(at).toBeGreaterThanOrEqual(now.getTime());
        // A week of wall-clock time is 7 days of real time, plus an hour when the clocks fall back within it.
        expect(at).toBeLessThanOrEqual(now.getTime() + 7 * DAY_MS + HOUR_MS);
        const clock = clockIn(timezone, at);
        expect(days).toContain(clock.day);
        if (clock.time !== time) {
          expect(isDstChange(timezone, at)).toBe(true);
          expect(clock.time > time).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('until a date at a time with an offset of whole days lands on that day at that time', () => {
    fc.assert(
      fc.property(anyNowArb, fc.integer({ min: -30, max: 30 }), nightTimeArb, zoneArb, (date, days, time, timezone) => {
        const offset = `${days < 0 ? '-' : ''}P${Math.abs(days)}D`;
        const result = delayWakeAt({ until: { date: date.toISOString(), offset, time, timezone } }, date, {});
        if (!('wakeAt' in result)) throw new Error(result.error);
        const local = DateTime.fromMillis(result.wakeAt.getTime(), { zone: timezone });
        const expectedDay = DateTime.fromJSDate(date, { zone: timezone }).plus({ days }).toISODate();
        expect(local.toISODate()).toBe(expectedDay);
        if (local.toFormat('HH:mm') !== time) expect(isDstChange(timezone, result.wakeAt.getTime())).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('nextExecutionWindowStart is at or after now, inside the window, the earliest such instant, and stable', () => {
    const windowArb = fc
      .tuple(daysArb, nightTimeArb, nightTimeArb, zoneArb)
      .filter(([, a, b]) => a !== b)
      .map(([days, a, b, timezone]): ExecutionWindow => ({
        days,
        start: a < b ? a : b,
        end: a < b ? b : a,
        timezone,
      }));
    fc.assert(
      fc.property(windowArb, anyNowArb, (window, now) => {
        const start = nextExecutionWindowStart(window, now);
        const at = start.getTime();
        expect(at).toBeGreaterThanOrEqual(now.getTime());
        expect(insideOracle(window, at)).toBe(true);
        expect(nextExecutionWindowStart(window, start).getTime()).toBe(at);
        // These zones change offset only on whole minutes, so the clock is constant within each minute.
        for (let t = Math.ceil(now.getTime() / MINUTE_MS) * MINUTE_MS; t < at; t += MINUTE_MS) {
          if (insideOracle(window, t)) throw new Error(`inside already at ${new Date(t).toISOString()}`);
        }
        if (at > now.getTime()) expect(insideOracle(window, now.getTime())).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
