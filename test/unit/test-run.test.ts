import type { Action } from '../../src/domain/actions';
import type { ConditionGroup } from '../../src/domain/conditions';
import { walkTestRun } from '../../src/domain/test-run';

const task = (id: string): Action => ({ id, type: 'create_task', config: { title: id }, comments: [] });
const setPaid = (id: string): Action => ({
  id,
  type: 'set_property',
  config: { property: 'paid', value: true },
  comments: [],
});
const paid: ConditionGroup = { all: [{ property: 'paid', operator: 'eq', value: true }] };

const run = (actions: Action[], goal: ConditionGroup | undefined, properties: Record<string, unknown> = {}) =>
  walkTestRun({
    actions,
    goal,
    schedule: {},
    record: { id: 'r1', objectType: 'deal', stageId: 'new', properties, ownerId: null, contacts: [] },
    now: new Date('2026-03-02T10:00:00Z'),
    templates: new Map(),
  });

const ids = (result: ReturnType<typeof run>) => result.steps.map((step) => step.actionId);

describe('walkTestRun and the goal', () => {
  it('completes after the last action when there is no goal, or it is never met', () => {
    expect(run([task('a'), setPaid('mark'), task('b')], undefined)).toMatchObject({ endedBy: 'completed' });
    const unmet = run([task('a'), task('b')], paid);
    expect(unmet).toEqual({ steps: expect.any(Array), endedBy: 'completed' });
    expect(ids(unmet)).toEqual(['a', 'b']);
  });

  it('stops before the next action once its own set_property meets the goal', () => {
    const result = run([task('a'), setPaid('mark'), task('b'), task('c')], paid);
    expect(ids(result)).toEqual(['a', 'mark']);
    expect(result).toMatchObject({ endedBy: 'goal', endReason: 'goal met', stoppedBefore: 'b' });
  });

  it('completes when the last action meets the goal: no check follows it', () => {
    const result = run([task('a'), setPaid('mark')], paid);
    expect(ids(result)).toEqual(['a', 'mark']);
    expect(result.endedBy).toBe('completed');
  });

  it('takes no step for a record that meets the goal already, and completes a definition without actions', () => {
    expect(run([task('a')], paid, { paid: true })).toEqual({
      steps: [],
      endedBy: 'goal',
      endReason: 'goal met',
      stoppedBefore: 'a',
    });
    expect(run([], paid, { paid: true })).toEqual({ steps: [], endedBy: 'completed' });
  });
});
