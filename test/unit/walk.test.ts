import type { Action } from '../../src/domain/actions';
import { enterBranch, nextStep, startWalk, type Walk } from '../../src/domain/walk';

const task = (id: string): Action => ({ id, type: 'create_task', config: { title: id }, comments: [] });
const ifElse = (id: string, then: Action[], otherwise: Action[]): Action => ({
  id,
  type: 'branch_if',
  config: { conditions: { all: [{ property: 'x', operator: 'known' }] }, then, else: otherwise },
  comments: [],
});

/** Walks a definition to the end, taking `branch` at every branch action; returns the ids in order. */
function walkAll(actions: Action[], branch = 'then'): string[] {
  const ids: string[] = [];
  let walk: Walk = startWalk();
  for (let step = nextStep(actions, walk); step.kind === 'action'; step = nextStep(actions, walk)) {
    ids.push(step.action.id);
    walk = step.action.type === 'branch_if' ? enterBranch(step.walk, step.action.id, branch) : step.walk;
  }
  return ids;
}

describe('nextStep', () => {
  it('walks a flat list in order and ends', () => {
    expect(walkAll([task('a'), task('b'), task('c')])).toEqual(['a', 'b', 'c']);
    expect(nextStep([], startWalk())).toEqual({ kind: 'end', reason: 'done' });
  });

  it('enters the chosen branch and rejoins the enclosing list after it', () => {
    const definition = [task('a'), ifElse('if', [task('t1'), task('t2')], [task('e1')]), task('z')];
    expect(walkAll(definition, 'then')).toEqual(['a', 'if', 't1', 't2', 'z']);
    expect(walkAll(definition, 'else')).toEqual(['a', 'if', 'e1', 'z']);
  });

  it('runs an action inserted after the current one at the next step', () => {
    const first = nextStep([task('a'), task('b')], startWalk());
    if (first.kind !== 'action') throw new Error('expected an action');
    const next = nextStep([task('a'), task('new'), task('b')], first.walk);
    expect(next).toMatchObject({ kind: 'action', action: { id: 'new' }, deletedIds: [] });
  });

  it('skips a pending action deleted on its own and names it', () => {
    const first = nextStep([task('a'), task('b'), task('c')], startWalk());
    if (first.kind !== 'action') throw new Error('expected an action');
    expect(nextStep([task('a'), task('c')], first.walk)).toMatchObject({ action: { id: 'c' }, deletedIds: ['b'] });
  });

  it('goes on after the current action when it was deleted alone', () => {
    const walk: Walk = [{ list: null, actionId: 'b', followingIds: ['c'] }];
    expect(nextStep([task('a'), task('c')], walk)).toMatchObject({ action: { id: 'c' } });
  });

  it('ends the enrollment when the current action was deleted with everything after it', () => {
    const walk: Walk = [{ list: null, actionId: 'b', followingIds: ['c', 'd'] }];
    expect(nextStep([task('a')], walk)).toEqual({ kind: 'end', reason: 'deleted' });
  });

  it('leaves a branch whose branch action was deleted and goes on after it', () => {
    const walk: Walk = [
      { list: null, actionId: 'if', followingIds: ['z'] },
      { list: { parentId: 'if', branch: 'then' }, actionId: 't1', followingIds: ['t2'] },
    ];
    expect(nextStep([task('a'), task('z')], walk)).toMatchObject({ action: { id: 'z' } });
  });
});
