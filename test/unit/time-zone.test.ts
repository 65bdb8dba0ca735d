import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { parseIsoDateTime } from '../../src/domain/iso-date-time';
import { timeZoneNamed } from '../../src/domain/time-zone';

/**
 * Delays and execution windows read zones and ISO dates with luxon before; luxon stays here as the oracle, so the
 * wake times of running workflows stay the same on replay.
 */

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** DST, half-hour DST, odd offsets, fixed zones. */
const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/St_Johns',
  'UTC',
  'Etc/GMT+5',
];
const zoneArb = fc.oneof(fc.constantFrom(...ZONES), fc.constantFrom(...Intl.supportedValuesOf('timeZone')));

/** Luxon's offset in minutes, as milliseconds (rounded: local mean time offsets have seconds). */
function luxonOffsetMs(zone: string, instant: number): number {
  return Math.round(IANAZone.create(zone).offset(instant) * MINUTE_MS);
}

function offsetMs(zone: string, instant: number): number | undefined {
  return timeZoneNamed(zone)?.offsetMs(instant);
}

describe('time zones', () => {
  it('give the offset luxon gives, 1900 to 2100', () => {
    const from1900 = Date.UTC(1900, 0, 1);
    const to2100 = Date.UTC(2101, 0, 1) - 1;
    const quarterHourMs = 15 * MINUTE_MS;
    // Offsets change on the hour, half or quarter hour; instants a little either side of those come up often.
    const nearQuarterHourArb = fc
      .tuple(
        fc.integer({ min: from1900 / quarterHourMs, max: Math.floor(to2100 / quarterHourMs) }),
        fc.integer({ min: -2000, max: 2000 }),
      )
      .map(([quarter, shift]) => quarter * quarterHourMs + shift);
    const instantArb = fc.oneof(fc.integer({ min: from1900, max: to2100 }), nearQuarterHourArb);
    fc.assert(
      fc.property(zoneArb, instantArb, (zone, instant) => {
        expect(offsetMs(zone, instant)).toBe(luxonOffsetMs(zone, instant));
      }),
      { numRuns: 3000 },
    );
  });

  it('give the offset luxon gives over the whole range of Date, BC years and fractional instants too', () => {
    const instantArb = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }),
      fc.integer({ min: Date.UTC(-1, 0, 1), max: Date.UTC(101, 0, 1) }),
    );
    fc.assert(
      fc.property(zoneArb, instantArb, (zone, instant) => {
        expect(offsetMs(zone, instant)).toBe(luxonOffsetMs(zone, instant));
      }),
    );
  });

  it.each<[string, string, number, number]>([
    ['America/New_York', '2024-03-10T07:00:00Z', -5 * HOUR_MS, -4 * HOUR_MS],
    ['Europe/London', '2024-10-27T01:00:00Z', HOUR_MS, 0],
    ['Australia/Lord_Howe', '2024-04-06T15:00:00Z', 11 * HOUR_MS, 10.5 * HOUR_MS],
    ['Asia/Kathmandu', '1985-12-31T18:30:00Z', 5.5 * HOUR_MS, 5.75 * HOUR_MS],
    ['Pacific/Chatham', '2024-04-06T14:00:00Z', 13.75 * HOUR_MS, 12.75 * HOUR_MS],
    ['America/St_Johns', '2024-03-10T05:30:00Z', -3.5 * HOUR_MS, -2.5 * HOUR_MS],
  ])('%s changes its offset at %s', (zone, change, before, after) => {
    const at = Date.parse(change);
    expect([offsetMs(zone, at - 1), offsetMs(zone, at)]).toEqual([before, after]);
    expect([offsetMs(zone, at - 1), offsetMs(zone, at)]).toEqual([
      luxonOffsetMs(zone, at - 1),
      luxonOffsetMs(zone, at),
    ]);
  });

  it('are valid exactly when luxon says so', () => {
    const nameArb = fc.oneof(
      zoneArb,
      fc.constantFrom('', 'Mars/Olympus', 'Berlin', 'utc', 'america/new_york', 'EST5EDT', 'GMT+25', '+05:00'),
      fc.string(),
    );
    fc.assert(
      fc.property(nameArb, (name) => {
        expect(timeZoneNamed(name) !== undefined).toBe(IANAZone.isValidZone(name));
      }),
    );
  });

  it('name themselves as asked', () => {
    expect(timeZoneNamed('Europe/Berlin')?.name).toBe('Europe/Berlin');
  });
});

/** The instant luxon read from `text`, undefined where it said invalid. */
function luxonInstant(text: string): number | undefined {
  const parsed = DateTime.fromISO(text, { zone: 'utc' });
  return parsed.isValid ? parsed.toMillis() : undefined;
}

/** The instant `parseIsoDateTime` reads, a text without an offset taken as UTC (as luxon with `zone: 'utc'`). */
function instant(text: string): number | undefined {
  const parsed = parseIsoDateTime(text);
  return parsed && parsed.wallMs - (parsed.offsetMs ?? 0);
}

const twoDigits = (value: number) => String(value).padStart(2, '0');
/** Mostly in range, with the edges and just past them over-weighted. */
const fieldArb = (max: number, edges: number[]) =>
  fc.oneof(fc.integer({ min: 0, max }), fc.constantFrom(...edges), fc.integer({ min: 0, max: 99 })).map(twoDigits);
const fractionArb = fc.oneof(
  fc.stringMatching(/^\d{1,4}$/),
  fc.stringMatching(/^\d{5,35}$/),
  fc.integer({ min: 1, max: 35 }).map((length) => '9'.repeat(length)),
  fc.constantFrom('0', '000', '0001', '5', '999', '9995', '29', '57'),
);
const offsetArb = fc.oneof(
  fc.constant('Z'),
  fc
    .tuple(
      fc.constantFrom('+', '-'),
      fieldArb(14, [0, 14, 23, 99]),
      fc.constantFrom('', ':', 'x'),
      fieldArb(59, [0, 30, 45, 59, 60, 99]),
    )
    .map(([sign, hours, separator, minutes]) =>
      separator === 'x' ? `${sign}${hours}` : `${sign}${hours}${separator}${minutes}`,
    ),
);
const secondsArb = fc
  .tuple(fieldArb(59, [0, 59, 60]), fc.option(fractionArb, { nil: '' }))
  .map(([seconds, fraction]) => `:${seconds}${fraction && `.${fraction}`}`);
const timeArb = fc
  .tuple(
    fieldArb(23, [0, 23, 24, 25]),
    fieldArb(59, [0, 59, 60]),
    fc.option(secondsArb, { nil: '' }),
    fc.option(offsetArb, { nil: '' }),
  )
  .map(([hours, minutes, seconds, offset]) => `T${hours}:${minutes}${seconds}${offset}`);
const isoTextArb = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 99, 100, 1900, 2000, 2023, 2024)),
    fieldArb(12, [0, 1, 2, 12, 13]),
    fieldArb(31, [0, 1, 28, 29, 30, 31, 32]),
    fc.option(timeArb, { nil: '' }),
  )
  .map(([year, month, day, time]) => `${String(year).padStart(4, '0')}-${month}-${day}${time}`);

describe('ISO dates and date-times', () => {
  it('read as luxon read them, invalid where luxon said invalid', () => {
    fc.assert(
      fc.property(isoTextArb, (text) => {
        expect(instant(text)).toBe(luxonInstant(text));
      }),
      { numRuns: 5000 },
    );
  });

  it.each<[string, string | undefined]>([
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2023-02-29', undefined],
    ['1900-02-29', undefined],
    ['2000-02-29T12:00', '2000-02-29T12:00:00.000Z'],
    ['2023-04-31', undefined],
    ['2023-13-01', undefined],
    ['2023-06-15T09:30:15.1239+02:00', '2023-06-15T07:30:15.123Z'],
    ['2023-06-15T09:30-0545', '2023-06-15T15:15:00.000Z'],
    ['2023-06-15T09:30-00:30', '2023-06-15T10:00:00.000Z'],
    ['2023-06-15T09:30+05', '2023-06-15T04:30:00.000Z'],
    ['2023-12-31T24:00', '2024-01-01T00:00:00.000Z'],
    ['2023-12-31T24:00:00.0009', '2024-01-01T00:00:00.000Z'],
    ['2023-12-31T24:00:01', undefined],
    ['2023-12-31T23:60', undefined],
    ['2023-12-31T23:59:60', undefined],
    ['2023-12-31T23:59:59.99999999999999999', undefined],
    [`2023-12-31T23:59:59.${'1'.repeat(31)}`, undefined],
    ['2023-12-31T12:00Z', '2023-12-31T12:00:00.000Z'],
  ])('%s is %s', (text, expected) => {
    const at = instant(text);
    expect(at === undefined ? undefined : new Date(at).toISOString()).toBe(expected);
    expect(at).toBe(luxonInstant(text));
  });

  it('keep luxon reading 24:00 in the years 0-99 as the start of the day', () => {
    expect(instant('0099-12-31T24:00')).toBe(Date.parse('0099-12-31T00:00:00Z'));
    expect(instant('0099-12-31T24:00')).toBe(luxonInstant('0099-12-31T24:00'));
  });

  it('say whether the text has an offset', () => {
    expect(parseIsoDateTime('2023-06-15T09:30')).toEqual({
      wallMs: Date.parse('2023-06-15T09:30:00Z'),
      offsetMs: undefined,
    });
    expect(parseIsoDateTime('2023-06-15T09:30Z')?.offsetMs).toBe(0);
    expect(parseIsoDateTime('2023-06-15T09:30+01:30')?.offsetMs).toBe(1.5 * HOUR_MS);
  });

  it.each(['2023-06-15T09', '2023-06-15 09:30', '2023-6-15', '+002023-06-15', '2023-06-15T09:30z', '2023-06-15Z'])(
    'rejects %p, which is not of the accepted form',
    (text) => {
      expect(parseIsoDateTime(text)).toBeUndefined();
    },
  );
});
