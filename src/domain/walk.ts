import type { Action } from './actions';

/** A nested action list: the branch `branch` of the branch action `parentId`. The root list has no ref. */
export interface ListRef {
  parentId: string;
  /** `then` / `else` (branch_if), `case:<n>` / `default` (branch_value), `split:<n>` (branch_random). */
  branch: string;
}

/** One level of an enrollment's walk: which list it is in, the last action it ran there, and what followed it. */
export interface WalkFrame {
  list: ListRef | null;
  actionId?: string;
  followingIds: string[];
}

/** Where an enrollment stands: a stack of frames, innermost last. Small and JSON-safe (workflow state). */
export type Walk = WalkFrame[];

export type WalkStep =
  { kind: 'action'; action: Action; walk: Walk; deletedIds: string[] } | { kind: 'end'; reason: 'done' | 'deleted' };

/** The walk of a new enrollment: at the top of the root list. */
export function startWalk(): Walk {
  return [{ list: null, followingIds: [] }];
}

/** The nested lists of a branch action, each with its branch key; none for other actions. */
export function branchLists(action: Action): { branch: string; actions: Action[] }[] {
  switch (action.type) {
    case 'branch_if':
      return [
        { branch: 'then', actions: action.config.then },
        { branch: 'else', actions: action.config.else },
      ];
    case 'branch_value':
      return [
        ...action.config.cases.map((branchCase, index) => ({ branch: `case:${index}`, actions: branchCase.actions })),
        { branch: 'default', actions: action.config.default },
      ];
    case 'branch_random':
      return action.config.splits.map((split, index) => ({ branch: `split:${index}`, actions: split.actions }));
    default:
      return [];
  }
}

/** A copy of a branch action with one of its nested lists replaced. */
export function withBranchList(action: Action, branch: string, list: Action[]): Action {
  switch (action.type) {
    case 'branch_if':
      return branch === 'then' || branch === 'else'
        ? { ...action, config: { ...action.config, [branch]: list } }
        : action;
    case 'branch_value': {
      if (branch === 'default') return { ...action, config: { ...action.config, default: list } };
      const index = caseIndex(branch, 'case:');
      return {
        ...action,
        config: {
          ...action.config,
          cases: action.config.cases.map((branchCase, i) =>
            i === index ? { ...branchCase, actions: list } : branchCase,
          ),
        },
      };
    }
    case 'branch_random': {
      const index = caseIndex(branch, 'split:');
      return {
        ...action,
        config: { splits: action.config.splits.map((split, i) => (i === index ? { ...split, actions: list } : split)) },
      };
    }
    default:
      return action;
  }
}

function caseIndex(branch: string, prefix: string): number {
  return branch.startsWith(prefix) ? Number(branch.slice(prefix.length)) : -1;
}

/** A copy of the tree with the list at `ref` replaced by `change(list)`; unchanged when the list does not exist. */
export function updateList(actions: Action[], ref: ListRef | null, change: (list: Action[]) => Action[]): Action[] {
  if (!ref) return change(actions);
  return actions.map((action) => {
    const lists = branchLists(action);
    if (action.id === ref.parentId) {
      const list = lists.find((candidate) => candidate.branch === ref.branch);
      return list ? withBranchList(action, ref.branch, change(list.actions)) : action;
    }
    return lists.reduce(
      (updated, list) => withBranchList(updated, list.branch, updateList(list.actions, ref, change)),
      action,
    );
  });
}

/**
 * The action as one step of an enrollment needs it: its own config (a branch's conditions, cases or splits), without
 * the actions nested in its branches and without comments, so that what the step records stays small.
 */
export function stepAction(action: Action): Action {
  return branchLists(action).reduce((bare, list) => withBranchList(bare, list.branch, []), {
    ...action,
    comments: [],
  } as Action);
}

/** Finds an action anywhere in the tree. */
export function findAction(actions: readonly Action[], id: string): Action | undefined {
  for (const action of actions) {
    if (action.id === id) return action;
    for (const list of branchLists(action)) {
      const found = findAction(list.actions, id);
      if (found) return found;
    }
  }
  return undefined;
}

/** Every action in the tree, depth first, with the list it sits in. */
export function* allActions(
  actions: readonly Action[],
  list: ListRef | null = null,
): Generator<{ action: Action; list: ListRef | null; index: number }> {
  for (const [index, action] of actions.entries()) {
    yield { action, list, index };
    for (const child of branchLists(action)) {
      yield* allActions(child.actions, { parentId: action.id, branch: child.branch });
    }
  }
}

/** The list a ref points at in the current tree, or undefined when its branch action is gone. */
export function findList(actions: Action[], ref: ListRef | null): Action[] | undefined {
  if (!ref) return actions;
  const parent = findAction(actions, ref.parentId);
  return parent && branchLists(parent).find((list) => list.branch === ref.branch)?.actions;
}

/**
 * The next action of an enrollment in the current definition, so that edits reach it at its next step:
 * - normally the action after the last one run, in the same list; at the end of a branch, the walk goes on after
 *   the branch action in the enclosing list;
 * - if the last action run has been deleted, the first action that followed it and still exists ("only this
 *   action"); if none does, but some followed it, they were deleted with it ("this action and all following"),
 *   and the enrollment ends;
 * - `deletedIds` names the actions it would have run next that were deleted, so the timeline can say so.
 */
export function nextStep(actions: Action[], walk: Walk): WalkStep {
  const stack = walk.map((frame) => ({ ...frame }));
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const list = findList(actions, frame.list);
    if (!list) {
      stack.pop();
      continue;
    }
    let index = 0;
    if (frame.actionId !== undefined) {
      const found = list.findIndex((action) => action.id === frame.actionId);
      if (found >= 0) index = found + 1;
      else {
        const survivor = frame.followingIds.find((id) => list.some((action) => action.id === id));
        if (survivor === undefined && frame.followingIds.length > 0) return { kind: 'end', reason: 'deleted' };
        index = survivor === undefined ? list.length : list.findIndex((action) => action.id === survivor);
      }
    }
    const action = list[index];
    if (!action) {
      stack.pop();
      continue;
    }
    const before = frame.followingIds.indexOf(action.id);
    const deletedIds = frame.followingIds
      .slice(0, before >= 0 ? before : frame.followingIds.length)
      .filter((id) => !findAction(actions, id));
    stack[stack.length - 1] = {
      list: frame.list,
      actionId: action.id,
      followingIds: list.slice(index + 1).map((next) => next.id),
    };
    return { kind: 'action', action, walk: stack, deletedIds };
  }
  return { kind: 'end', reason: 'done' };
}

/** Enters the chosen branch of the branch action the walk is at. */
export function enterBranch(walk: Walk, parentId: string, branch: string): Walk {
  return [...walk, { list: { parentId, branch }, followingIds: [] }];
}
