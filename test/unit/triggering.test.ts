import fc from 'fast-check';
import { type ConditionRecord, unmetConditions } from '../../src/domain/branching';
import { ConditionGroupSchema } from '../../src/domain/conditions';
import {
  changedProperties,
  type EnrollmentFacts,
  goalMet,
  propertyChangedEvent,
  refusal,
  RefusalRules,
  stageEnteredEvent,
} from '../../src/domain/triggering';

const record: ConditionRecord = { stageId: 'qualified', properties: { tier: 'silver', score: 3, tags: ['a'] } };

describe('unmetConditions: the sentence naming the condition a record fails', () => {
  it('names the first failing condition of `all`, with the value the record has', () => {
    const group = ConditionGroupSchema.parse({
      all: [
        { property: 'score', operator: 'gt', value: 1 },
        { property: 'tier', operator: 'eq', value: 'gold' },
        { property: 'region', operator: 'known' },
      ],
    });
    expect(unmetConditions(group, record)).toBe('condition not met: "tier" eq "gold" (it is "silver")');
  });

  it('says a missing property is not set, and a presence test has no value', () => {
    const group = ConditionGroupSchema.parse({ all: [{ property: 'region', operator: 'known' }] });
    expect(unmetConditions(group, record)).toBe('condition not met: "region" known (it is not set)');
  });

  it('says none of `any` holds, naming each', () => {
    const group = ConditionGroupSchema.parse({
      any: [
        { property: 'tier', operator: 'in', value: ['gold', 'platinum'] },
        { property: 'score', operator: 'gte', value: 10 },
      ],
    });
    expect(unmetConditions(group, record)).toBe(
      'none of the conditions holds: "tier" in ["gold","platinum"] (it is "silver"); "score" gte 10 (it is 3)',
    );
    const one = ConditionGroupSchema.parse({ any: [{ property: 'stageId', operator: 'eq', value: 'won' }] });
    expect(unmetConditions(one, record)).toBe('condition not met: "stageId" eq "won" (it is "qualified")');
  });

  it('cuts a long value in the sentence', () => {
    const long = { stageId: 'new', properties: { notes: 'x'.repeat(5_000) } };
    const group = ConditionGroupSchema.parse({ all: [{ property: 'notes', operator: 'eq', value: 'short' }] });
    const sentence = unmetConditions(group, long)!;
    expect(sentence.length).toBeLessThan(200);
    expect(sentence).toMatch(/^condition not met: "notes" eq "short" \(it is "x+…\)$/);
  });

  it('is undefined exactly when evaluateConditions holds', () => {
    const condition = fc.record({
      property: fc.constantFrom('tier', 'score', 'missing'),
      operator: fc.constantFrom('eq', 'neq', 'gt', 'known', 'unknown'),
      value: fc.constantFrom('silver', 3, 10),
    });
    fc.assert(
      fc.property(fc.array(condition, { maxLength: 3 }), fc.array(condition, { maxLength: 3 }), (all, any) => {
        const parsed = ConditionGroupSchema.safeParse({
          all: all.map((c) => (c.operator === 'known' || c.operator === 'unknown' ? { ...c, value: undefined } : c)),
          any: any.map((c) => (c.operator === 'known' || c.operator === 'unknown' ? { ...c, value: undefined } : c)),
        });
        if (!parsed.success) return;
        const facts = { stageId: record.stageId, properties: record.properties };
        expect(unmetConditions(parsed.data, facts) === undefined).toBe(goalMet({ goal: parsed.data }, facts));
      }),
    );
  });
});

describe('refusal: enrollment conditions', () => {
  const workflow = (conditions?: unknown): NonNullable<EnrollmentFacts['workflow']> => ({
    enabled: true,
    pipelineId: 'deals',
    name: 'Gold deals',
    templated: false,
    trigger: { type: 'property_changed', property: 'tier' },
    settings: { unenrollOnStageExit: true, shards: 1 },
    enrollment: { reenroll: false, ...(conditions ? { conditions: ConditionGroupSchema.parse(conditions) } : {}) },
  });
  const facts = (properties: Record<string, unknown>, conditions?: unknown): EnrollmentFacts => ({
    workflow: workflow(conditions),
    record: { objectType: 'deal', pipelineId: 'deals', stageId: 'new', source: null, properties },
    event: { depth: 0 },
    earlier: undefined,
  });
  const gold = { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] };

  it('enrolls a record that meets the conditions and refuses one that does not, naming the condition', () => {
    expect(refusal(facts({ tier: 'gold' }, gold))).toBeUndefined();
    expect(refusal(facts({ tier: 'silver' }, gold))).toEqual({
      rule: RefusalRules.conditionsNotMet,
      reason: 'condition not met: "tier" eq "gold" (it is "silver")',
    });
    expect(refusal(facts({ tier: 'silver' }))).toBeUndefined();
  });

  it('checks conditions for an enrollment by hand too, and the loop guard first', () => {
    expect(refusal({ ...facts({}, gold), manual: true })?.rule).toBe(RefusalRules.conditionsNotMet);
    const deep = refusal({ ...facts({}, gold), event: { depth: 11 } });
    expect(deep?.rule).toBe(RefusalRules.loopGuard);
    expect(deep?.reason).toMatch(/this property change is 11 automation steps deep/);
  });

  it('enrolls a property change while an earlier one still runs when re-enrollment is on', () => {
    const reenroll = { ...facts({ tier: 'gold' }), earlier: { active: true } };
    reenroll.workflow = { ...reenroll.workflow!, enrollment: { reenroll: true } };
    expect(refusal(reenroll)).toBeUndefined();
  });
});

describe('property-change events', () => {
  it('builds one event per property, with the causation of the change', () => {
    const event = propertyChangedEvent({ id: 'rec-1', pipelineId: 'deals' }, 'tier', {
      eventId: 'evt-1',
      occurredAt: new Date('2025-01-02T03:04:05Z'),
      depth: 2,
      causedByEnrollmentId: 'enrollment/wf/rec-1/evt-0',
      requestId: 'req-1',
    });
    expect(event).toEqual({
      eventId: 'evt-1',
      recordId: 'rec-1',
      pipelineId: 'deals',
      property: 'tier',
      depth: 2,
      occurredAt: '2025-01-02T03:04:05.000Z',
      causedByEnrollmentId: 'enrollment/wf/rec-1/evt-0',
      requestId: 'req-1',
    });
    const fromApi = propertyChangedEvent({ id: 'rec-1', pipelineId: 'deals' }, 'tier', {
      eventId: 'evt-2',
      occurredAt: new Date('2025-01-02T03:04:05Z'),
    });
    expect(fromApi).toEqual(expect.objectContaining({ depth: 0 }));
    expect(fromApi).not.toHaveProperty('causedByEnrollmentId');
    // The same shape of causation as a stage entry, so the loop guard reads both alike.
    const stage = stageEnteredEvent(
      { id: 'rec-1', pipelineId: 'deals', stageId: 'new' },
      { eventId: 'e', occurredAt: new Date(0) },
    );
    expect(Object.keys(fromApi).filter((key) => !(key in stage))).toEqual(['property']);
  });

  it('finds the properties set, changed and removed, and none written with their current value', () => {
    const before = { tier: 'silver', score: 3, address: { city: 'Oslo', zip: '0150' }, gone: true, tags: ['a', 'b'] };
    const after = { tier: 'gold', score: 3, address: { zip: '0150', city: 'Oslo' }, tags: ['a', 'b'], region: 'EU' };
    expect(changedProperties(before, after)).toEqual([
      { property: 'tier', from: 'silver', to: 'gold' },
      { property: 'region', from: undefined, to: 'EU' },
      { property: 'gone', from: true, to: undefined },
    ]);
    expect(changedProperties(before, { ...before })).toEqual([]);
    expect(changedProperties({ n: 1 }, { n: '1' })).toEqual([{ property: 'n', from: 1, to: '1' }]);
    expect(changedProperties({ list: [1, 2] }, { list: [2, 1] })).toHaveLength(1);
  });
});
