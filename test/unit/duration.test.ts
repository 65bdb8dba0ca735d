import fc from 'fast-check';
import { parseDuration } from '../../src/domain/duration';
import { DurationSchema } from '../../src/domain/schedule';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['3d', 259_200_000],
    ['1w', 604_800_000],
    ['-1d', -86_400_000],
    ['PT30M', 1_800_000],
    ['P3D', 259_200_000],
    ['P1DT2H', 93_600_000],
    ['PT1.5S', 1_500],
    ['P2W', 1_209_600_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads durations up to 10 years (of 365.25 days) and nothing longer, either way', () => {
    expect(parseDuration('3652d')).toBe(3652 * 86_400_000);
    expect(parseDuration('-P521W')).toBe(-521 * 604_800_000);
    for (const text of ['3653d', 'P522W', '-3653d', '99999999999999d', `${'9'.repeat(400)}s`, 'PT999999999H']) {
      expect(parseDuration(text)).toBeUndefined();
    }
    expect(DurationSchema.safeParse('99999999999999d').error?.issues[0]?.message).toMatch(/at most 10 years/);
  });

  it.each(['', 'P', 'PT', '3 days', '10', '5y', 'P1M', 'soon', '1.5h'])('rejects %p', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('agrees between shorthand and ISO for any whole number of units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (n) => {
        expect(parseDuration(`${n}s`)).toBe(parseDuration(`PT${n}S`));
        expect(parseDuration(`${n}m`)).toBe(parseDuration(`PT${n}M`));
        expect(parseDuration(`${n}h`)).toBe(parseDuration(`PT${n}H`));
        expect(parseDuration(`${n}d`)).toBe(parseDuration(`P${n}D`));
      }),
    );
  });

  it('accepts only non-negative durations in configs', () => {
    expect(DurationSchema.safeParse('2h').success).toBe(true);
    expect(DurationSchema.safeParse('-2h').success).toBe(false);
  });
});
