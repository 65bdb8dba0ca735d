import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { z } from 'zod';
import {
  asNumber,
  type ConditionRecord,
  evaluateCondition,
  evaluateConditions,
  matchValueCase,
  pickSplit,
} from '../../src/domain/branching';
import {
  type Condition,
  ConditionGroupSchema,
  ConditionSchema,
  RandomSplitSchema,
  randomSplitsOf,
} from '../../src/domain/conditions';

const RandomSplitsSchema = randomSplitsOf(RandomSplitSchema);

const record: ConditionRecord = {
  stageId: 'qualified',
  properties: {
    amount: 1500,
    amountText: ' 1500 ',
    seats: '10',
    tier: 'Gold',
    company: 'Acme Industries',
    vip: true,
    vipText: 'TRUE',
    nothing: null,
    blank: '   ',
    tags: ['Enterprise', 'renewal', 42],
    noTags: [],
    closeDate: '2025-03-15',
    lastSeenAt: '2025-03-15T09:30:00Z',
    accountNo: '12345678901234567890',
    details: { nested: 1 },
  },
};

const holds = (property: string, operator: Condition['operator'], value?: Condition['value']) =>
  evaluateCondition(ConditionSchema.parse({ property, operator, value }), record);

describe('evaluateCondition', () => {
  it.each<[string, Condition['value'], boolean]>([
    ['tier', 'gold', true],
    ['tier', '  GOLD ', true],
    ['tier', 'silver', false],
    ['amount', 1500, true],
    ['amount', '1500', true],
    ['amount', '1500.00', true],
    ['amountText', 1500, true],
    ['seats', 10, true],
    ['seats', '010', true],
    ['seats', 'ten', false],
    ['vip', true, true],
    ['vip', 'true', true],
    ['vipText', true, true],
    ['vip', false, false],
    ['vip', 1, false],
    ['nothing', null, true],
    ['nothing', '', false],
    ['missing', null, true],
    ['missing', 'anything', false],
    ['missing', 0, false],
    ['tier', null, false],
    ['tags', 'Enterprise', false],
    ['details', 'x', false],
    ['accountNo', '12345678901234567890', true],
    ['accountNo', '12345678901234567891', false],
    ['stageId', 'qualified', true],
    ['stageId', 'Qualified', true],
    ['stageId', 'won', false],
  ])('%s eq %p is %p, and neq the opposite', (property, value, expected) => {
    expect(holds(property, 'eq', value)).toBe(expected);
    expect(holds(property, 'neq', value)).toBe(!expected);
  });

  it('reads a property named stageId from the record, not from its properties', () => {
    const shadowed: ConditionRecord = { stageId: 'won', properties: { stageId: 'lost' } };
    expect(evaluateCondition({ property: 'stageId', operator: 'eq', value: 'won' }, shadowed)).toBe(true);
  });

  it('does not read properties inherited from Object.prototype', () => {
    const plain: ConditionRecord = { stageId: 's', properties: {} };
    expect(evaluateCondition({ property: 'constructor', operator: 'known' }, plain)).toBe(false);
    expect(evaluateCondition({ property: 'toString', operator: 'unknown' }, plain)).toBe(true);
  });

  it.each<[string, Condition['value'], boolean]>([
    ['tier', ['silver', 'gold'], true],
    ['tier', ['silver', 'bronze'], false],
    ['amount', ['1500', 'x'], true],
    ['seats', [9, 10, 11], true],
    ['vip', [false, 'true'], true],
    ['missing', ['a', 'b'], false],
    ['missing', ['a', null], true],
    ['stageId', ['new', 'QUALIFIED'], true],
  ])('%s in %p is %p, and not_in the opposite', (property, value, expected) => {
    expect(holds(property, 'in', value)).toBe(expected);
    expect(holds(property, 'not_in', value)).toBe(!expected);
  });

  it.each<[string, Condition['value'], boolean]>([
    ['company', 'acme', true],
    ['company', 'INDUSTRIES', true],
    ['company', 'acme corp', false],
    ['company', ' industries', true],
    ['tags', 'enterprise', true],
    ['tags', 'Renewal', true],
    ['tags', '42', true],
    ['tags', 'enter', false],
    ['noTags', 'x', false],
    ['amount', 15, false],
    ['details', 'nested', false],
    ['missing', 'x', false],
    ['stageId', 'qual', true],
  ])('%s contains %p is %p', (property, value, expected) => {
    expect(holds(property, 'contains', value)).toBe(expected);
  });

  it.each<[string, Condition['operator'], Condition['value'], boolean]>([
    ['amount', 'gt', 1000, true],
    ['amount', 'gt', 1500, false],
    ['amount', 'gte', 1500, true],
    ['amount', 'lt', '2000', true],
    ['amount', 'lte', 1499.99, false],
    ['seats', 'gt', 9, true],
    ['seats', 'gt', '9', true],
    ['amountText', 'lte', 1500, true],
    ['closeDate', 'gt', '2025-03-14', true],
    ['closeDate', 'gt', '2025-03-15', false],
    ['closeDate', 'gte', '2025-03-15T00:00:00Z', true],
    ['closeDate', 'lt', '2025-03-15T00:00:01Z', true],
    ['lastSeenAt', 'gt', '2025-03-15T10:00:00+01:00', true],
    ['lastSeenAt', 'lt', '2025-03-15T09:30:00.001Z', true],
    ['lastSeenAt', 'lte', '2025-03-15T09:30', true],
    ['lastSeenAt', 'gte', '2025-03-15T10:30+0100', true],
    ['lastSeenAt', 'gt', '2025-03-15T09:30:00Z', false],
    ['closeDate', 'gt', 20250314, false],
    ['amount', 'gt', '2025-01-01', false],
    ['tier', 'gt', 5, false],
    ['vip', 'gt', 0, false],
    ['missing', 'gt', 0, false],
    ['missing', 'lt', 0, false],
    ['missing', 'lte', '2025-01-01', false],
    ['tags', 'gt', 0, false],
  ])('%s %s %p is %p', (property, operator, value, expected) => {
    expect(holds(property, operator, value)).toBe(expected);
  });

  it('does not treat impossible calendar days as dates', () => {
    const odd: ConditionRecord = { stageId: 's', properties: { due: '2025-02-30' } };
    expect(evaluateCondition({ property: 'due', operator: 'gt', value: '2025-02-01' }, odd)).toBe(false);
    expect(evaluateCondition({ property: 'due', operator: 'lt', value: '2025-12-31' }, odd)).toBe(false);
  });

  it.each<[string, boolean]>([
    ['tier', true],
    ['amount', true],
    ['vip', true],
    ['tags', true],
    ['details', true],
    ['stageId', true],
    ['missing', false],
    ['nothing', false],
    ['blank', false],
    ['noTags', false],
  ])('%s known is %p, and unknown the opposite', (property, expected) => {
    expect(holds(property, 'known')).toBe(expected);
    expect(holds(property, 'unknown')).toBe(!expected);
  });

  it('counts zero, false and the empty string differently for known', () => {
    const falsy: ConditionRecord = { stageId: 's', properties: { zero: 0, no: false, empty: '' } };
    expect(evaluateCondition({ property: 'zero', operator: 'known' }, falsy)).toBe(true);
    expect(evaluateCondition({ property: 'no', operator: 'known' }, falsy)).toBe(true);
    expect(evaluateCondition({ property: 'empty', operator: 'known' }, falsy)).toBe(false);
  });
});

describe('asNumber', () => {
  it.each<[string, number | undefined]>([
    ['12', 12],
    [' 12 ', 12],
    ['1.5', 1.5],
    ['1.', 1],
    ['.5', 0.5],
    ['-2e3', -2000],
    ['+1E-2', 0.01],
    ['1e', undefined],
    ['e5', undefined],
    ['.', undefined],
    ['1.2.3', undefined],
    ['0x10', undefined],
    ['Infinity', undefined],
    ['1_000', undefined],
    ['', undefined],
  ])('reads %j as %p', (text, expected) => {
    expect(asNumber(text)).toBe(expected);
  });

  /**
   * A megabyte of digits, refused as a number, compared by a condition and checked by its schema. In time linear in
   * its length that takes milliseconds; a pattern that backtracks (as `\\d+\\.?\\d*` did: 100,000 digits took 18 s)
   * would take hours and block the thread it runs on, so it runs in a worker that is ended after 30 s.
   */
  it('refuses or reads a megabyte of digits at once, in a condition and in its schema', async () => {
    const probe = `
      const { parentPort } = require('node:worker_threads');
      require('tsx/cjs');
      const { asNumber, evaluateCondition } = require(${JSON.stringify(require.resolve('../../src/domain/branching'))});
      const { ConditionSchema } = require(${JSON.stringify(require.resolve('../../src/domain/conditions'))});
      const digits = '7'.repeat(1000000);
      const condition = { property: 'amount', operator: 'gt', value: digits + 'x' };
      parentPort.postMessage({
        letters: asNumber(digits + 'x') ?? null,
        twoDots: asNumber(digits + '.5.5') ?? null,
        tooLarge: asNumber(digits) ?? null,
        compared: evaluateCondition(condition, { stageId: 'new', properties: { amount: digits + 'y' } }),
        schema: ConditionSchema.safeParse(condition).success,
      });`;
    const worker = new Worker(probe, { eval: true });
    const answer = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('a megabyte of digits took over 30 s: not linear')), 30_000);
      worker.once('message', (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      worker.once('error', reject);
    }).finally(() => worker.terminate());
    expect(answer).toEqual({ letters: null, twoDots: null, tooLarge: null, compared: false, schema: false });
  });
});

describe('evaluateConditions', () => {
  const gold: Condition = { property: 'tier', operator: 'eq', value: 'gold' };
  const silver: Condition = { property: 'tier', operator: 'eq', value: 'silver' };
  const big: Condition = { property: 'amount', operator: 'gt', value: 1000 };
  const small: Condition = { property: 'amount', operator: 'lt', value: 10 };

  it.each<[string, Parameters<typeof evaluateConditions>[0], boolean]>([
    ['all of two that hold', { all: [gold, big] }, true],
    ['all with one that fails', { all: [gold, small] }, false],
    ['any with one that holds', { any: [silver, big] }, true],
    ['any with none that hold', { any: [silver, small] }, false],
    ['all holding and any holding', { all: [gold], any: [silver, big] }, true],
    ['all holding but any failing', { all: [gold], any: [silver, small] }, false],
    ['all failing though any holds', { all: [gold, small], any: [big] }, false],
    ['all with an empty any list', { all: [gold], any: [] }, true],
    ['any with an empty all list', { all: [], any: [silver] }, false],
  ])('%s is %p', (_name, group, expected) => {
    expect(evaluateConditions(ConditionGroupSchema.parse(group), record)).toBe(expected);
  });
});

describe('condition schemas', () => {
  const issues = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
    result.error?.issues.map(({ path, message }) => ({ path, message }));

  it('accepts each operator with the value it needs', () => {
    for (const condition of [
      { property: 'tier', operator: 'eq', value: 'gold' },
      { property: 'tier', operator: 'neq', value: null },
      { property: 'tier', operator: 'in', value: ['gold', 1, true, null] },
      { property: 'tier', operator: 'not_in', value: ['gold'] },
      { property: 'tags', operator: 'contains', value: 'vip' },
      { property: 'amount', operator: 'gt', value: 10 },
      { property: 'amount', operator: 'gte', value: '10.5' },
      { property: 'closeDate', operator: 'lt', value: '2025-01-31' },
      { property: 'closeDate', operator: 'lte', value: '2025-01-31T12:00:00+02:00' },
      { property: 'stageId', operator: 'known' },
      { property: 'tier', operator: 'unknown' },
    ]) {
      expect(ConditionSchema.safeParse(condition)).toMatchObject({ success: true, data: condition });
    }
  });

  it.each<[string, unknown, string]>([
    ['in without a list', { property: 'tier', operator: 'in', value: 'gold' }, 'as a list'],
    ['not_in without a value', { property: 'tier', operator: 'not_in' }, 'as a list'],
    ['in with an empty list', { property: 'tier', operator: 'in', value: [] }, 'at least one value'],
    ['known with a value', { property: 'tier', operator: 'known', value: 'gold' }, 'takes no `value`'],
    ['unknown with null', { property: 'tier', operator: 'unknown', value: null }, 'takes no `value`'],
    ['eq without a value', { property: 'tier', operator: 'eq' }, 'single `value`'],
    ['contains with a list', { property: 'tags', operator: 'contains', value: ['a'] }, 'single `value`'],
    ['gt with a word', { property: 'amount', operator: 'gt', value: 'lots' }, 'numbers or dates'],
    ['lte with a boolean', { property: 'amount', operator: 'lte', value: true }, 'numbers or dates'],
  ])('rejects %s, pointing at value', (_name, condition, message) => {
    expect(issues(ConditionSchema.safeParse(condition))).toEqual([
      { path: ['value'], message: expect.stringContaining(message) },
    ]);
  });

  it('rejects unknown operators, unknown keys, objects as values and overlong property names', () => {
    expect(ConditionSchema.safeParse({ property: 'tier', operator: 'like', value: 'g' }).success).toBe(false);
    expect(ConditionSchema.safeParse({ property: 'tier', operator: 'eq', value: 'g', note: 'x' }).success).toBe(false);
    expect(ConditionSchema.safeParse({ property: 'tier', operator: 'eq', value: { a: 1 } }).success).toBe(false);
    expect(ConditionSchema.safeParse({ property: 'x'.repeat(101), operator: 'known' }).success).toBe(false);
    expect(ConditionSchema.safeParse({ property: '', operator: 'known' }).success).toBe(false);
  });

  it('rejects an empty group and says what to add', () => {
    for (const group of [{}, { all: [] }, { all: [], any: [] }]) {
      expect(issues(ConditionGroupSchema.safeParse(group))).toEqual([
        { path: [], message: expect.stringContaining('at least one condition') },
      ]);
    }
  });

  it('points at the bad condition inside a group', () => {
    const result = ConditionGroupSchema.safeParse({
      all: [{ property: 'tier', operator: 'known' }],
      any: [
        { property: 'tier', operator: 'eq', value: 'gold' },
        { property: 'tier', operator: 'in', value: 'gold' },
      ],
    });
    expect(issues(result)).toEqual([{ path: ['any', 1, 'value'], message: expect.stringContaining('as a list') }]);
  });

  it('caps each list at 50 conditions and refuses other keys', () => {
    const many = Array.from({ length: 51 }, () => ({ property: 'tier', operator: 'known' }));
    expect(ConditionGroupSchema.safeParse({ all: many }).success).toBe(false);
    expect(ConditionGroupSchema.safeParse({ all: many.slice(1) }).success).toBe(true);
    expect(ConditionGroupSchema.safeParse({ none: [{ property: 'tier', operator: 'known' }] }).success).toBe(false);
  });
});

describe('matchValueCase', () => {
  const cases = [
    { values: ['gold', 'platinum'] },
    { values: [10, 'silver'] },
    { values: [true] },
    { values: ['gold'] },
  ];

  it.each<[unknown, number]>([
    ['gold', 0],
    [' Platinum ', 0],
    ['SILVER', 1],
    ['10', 1],
    [10.0, 1],
    ['true', 2],
    [true, 2],
    ['bronze', -1],
    [undefined, -1],
    [null, -1],
    [['gold'], -1],
  ])('sends %p to case %p', (value, expected) => {
    expect(matchValueCase(cases, value)).toBe(expected);
  });

  it('matches a missing value only to a null case', () => {
    expect(matchValueCase([{ values: ['a'] }, { values: [null] }], undefined)).toBe(1);
  });

  it('falls to the default with no cases', () => {
    expect(matchValueCase([], 'gold')).toBe(-1);
  });
});

describe('random splits', () => {
  it('accepts 2 to 10 whole percents that add up to 100', () => {
    expect(RandomSplitsSchema.safeParse([{ percent: 50 }, { percent: 50 }]).success).toBe(true);
    expect(RandomSplitsSchema.safeParse(Array.from({ length: 10 }, () => ({ percent: 10 }))).success).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a single split', [{ percent: 100 }]],
    ['eleven splits', [...Array.from({ length: 9 }, () => ({ percent: 10 })), { percent: 5 }, { percent: 5 }]],
    ['a zero percent', [{ percent: 0 }, { percent: 100 }]],
    ['a fractional percent', [{ percent: 50.5 }, { percent: 49.5 }]],
  ])('rejects %s', (_name, splits) => {
    expect(RandomSplitsSchema.safeParse(splits).success).toBe(false);
  });

  it('says what the percents add up to', () => {
    const result = RandomSplitsSchema.safeParse([{ percent: 30 }, { percent: 60 }]);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: [], message: 'percents must add up to 100; they add up to 90' }),
    ]);
  });

  it('applies the same rules to extended splits and keeps their extra fields', () => {
    const WithActions = randomSplitsOf(RandomSplitSchema.extend({ actions: z.array(z.number()) }));
    expect(
      WithActions.parse([
        { percent: 40, actions: [1] },
        { percent: 60, actions: [] },
      ]),
    ).toEqual([
      { percent: 40, actions: [1] },
      { percent: 60, actions: [] },
    ]);
    expect(
      WithActions.safeParse([
        { percent: 40, actions: [] },
        { percent: 40, actions: [] },
      ]).success,
    ).toBe(false);
  });

  it.each<[number, number]>([
    [0, 0],
    [0.2999, 0],
    [0.3, 1],
    [0.5, 1],
    [0.79, 1],
    [0.8, 2],
    [0.9999, 2],
  ])('pickSplit sends roll %p to split %p of 30/50/20', (roll, expected) => {
    expect(pickSplit([{ percent: 30 }, { percent: 50 }, { percent: 20 }], roll)).toBe(expected);
  });

  it('keeps each boundary at exactly sum / 100', () => {
    const splits = [{ percent: 29 }, { percent: 28 }, { percent: 43 }];
    expect(pickSplit(splits, 0.29)).toBe(1);
    expect(pickSplit(splits, 0.57)).toBe(2);
    expect(pickSplit(splits, 0.57 - 2 ** -53)).toBe(1);
  });

  it('puts a roll of 1 or more in the last split and refuses an empty list', () => {
    expect(pickSplit([{ percent: 50 }, { percent: 50 }], 1)).toBe(1);
    expect(() => pickSplit([], 0.5)).toThrow(RangeError);
  });
});

describe('properties', () => {
  const scalar = fc.oneof(
    fc.string(),
    fc.integer().map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constantFrom('true', 'FALSE', ' 10 ', '10', '2025-01-31', 'Gold', 'gold ', ''),
    fc.constant(null),
  );
  const propertyValue = fc.oneof(scalar, fc.constant(undefined), fc.array(scalar, { maxLength: 4 }), fc.anything());
  const recordWith = (value: unknown): ConditionRecord => ({
    stageId: 'stage',
    properties: value === undefined ? {} : { p: value },
  });

  it('neq is always the negation of eq', () => {
    fc.assert(
      fc.property(propertyValue, scalar, (actual, value) => {
        const target = recordWith(actual);
        expect(evaluateCondition({ property: 'p', operator: 'neq', value }, target)).toBe(
          !evaluateCondition({ property: 'p', operator: 'eq', value }, target),
        );
      }),
    );
  });

  it('eq is symmetric between scalars', () => {
    fc.assert(
      fc.property(scalar, scalar, (left, right) => {
        expect(evaluateCondition({ property: 'p', operator: 'eq', value: right }, recordWith(left))).toBe(
          evaluateCondition({ property: 'p', operator: 'eq', value: left }, recordWith(right)),
        );
      }),
    );
  });

  it('not_in is always the negation of in, and in is eq against some element', () => {
    fc.assert(
      fc.property(propertyValue, fc.array(scalar, { minLength: 1, maxLength: 5 }), (actual, values) => {
        const target = recordWith(actual);
        const isIn = evaluateCondition({ property: 'p', operator: 'in', value: values }, target);
        expect(evaluateCondition({ property: 'p', operator: 'not_in', value: values }, target)).toBe(!isIn);
        expect(isIn).toBe(values.some((value) => evaluateCondition({ property: 'p', operator: 'eq', value }, target)));
      }),
    );
  });

  it('known is always the negation of unknown', () => {
    fc.assert(
      fc.property(propertyValue, (actual) => {
        const target = recordWith(actual);
        expect(evaluateCondition({ property: 'p', operator: 'known' }, target)).toBe(
          !evaluateCondition({ property: 'p', operator: 'unknown' }, target),
        );
      }),
    );
  });

  const splitsArbitrary = fc
    .integer({ min: 2, max: 10 })
    .chain((count) =>
      fc
        .uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: count - 1, maxLength: count - 1 })
        .map((cuts) => [0, ...cuts.sort((a, b) => a - b), 100]),
    )
    .map((bounds) => bounds.slice(1).map((bound, index) => ({ percent: bound - (bounds[index] ?? 0) })));

  it('generates splits the schema accepts', () => {
    fc.assert(
      fc.property(splitsArbitrary, (splits) => expect(RandomSplitsSchema.safeParse(splits).success).toBe(true)),
    );
  });

  it('pickSplit always returns an index in range', () => {
    fc.assert(
      fc.property(splitsArbitrary, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (splits, roll) => {
        const index = pickSplit(splits, roll);
        expect(Number.isInteger(index)).toBe(true);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThan(splits.length);
      }),
    );
  });

  it('gives each split a share of a uniform grid of rolls equal to its percent', () => {
    const steps = 10_000;
    fc.assert(
      fc.property(splitsArbitrary, (splits) => {
        const hits = splits.map(() => 0);
        for (let step = 0; step < steps; step++) {
          const index = pickSplit(splits, step / steps);
          hits[index] = (hits[index] ?? 0) + 1;
        }
        expect(hits.map((count) => (count * 100) / steps)).toEqual(splits.map(({ percent }) => percent));
      }),
      { numRuns: 50 },
    );
  });
});
