import type { Action, Comment } from './actions';
import { allActions, findList, type ListRef, updateList } from './walk';

/** A rule an edit breaks, with the request field it concerns. */
export class ActionEditError extends Error {
  override name = 'ActionEditError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const DeleteModes = { only: 'only', following: 'following' } as const;
export type DeleteMode = (typeof DeleteModes)[keyof typeof DeleteModes];

/** Where an action sits: its list and its index there. */
export function locateAction(actions: Action[], id: string): { list: ListRef | null; index: number } | undefined {
  for (const entry of allActions(actions)) if (entry.action.id === id) return { list: entry.list, index: entry.index };
  return undefined;
}

/**
 * Inserts `action` into the root list or into `parent`'s branch: after the action `after`, first when `after` is
 * null, last when it is undefined.
 */
export function insertAction(
  actions: Action[],
  action: Action,
  placement: { after?: string | null; parent?: ListRef },
): Action[] {
  const ref = placement.parent ?? null;
  const list = findList(actions, ref);
  if (!list) {
    throw ref && locateAction(actions, ref.parentId)
      ? new ActionEditError('parent.branch', `action "${ref.parentId}" has no branch "${ref.branch}"`)
      : new ActionEditError('parent.actionId', `action "${ref?.parentId}" does not exist`);
  }
  let index = list.length;
  if (placement.after === null) index = 0;
  else if (placement.after !== undefined) {
    const afterIndex = list.findIndex((candidate) => candidate.id === placement.after);
    if (afterIndex < 0) {
      throw new ActionEditError(
        'after',
        `action "${placement.after}" is not in ${ref ? `branch "${ref.branch}" of "${ref.parentId}"` : 'the top-level list'}`,
      );
    }
    index = afterIndex + 1;
  }
  return updateList(actions, ref, (current) => [...current.slice(0, index), action, ...current.slice(index)]);
}

/** Replaces one action (found anywhere in the tree) with `replace(action)`. */
export function replaceAction(actions: Action[], id: string, replace: (action: Action) => Action): Action[] {
  const location = locateAction(actions, id);
  if (!location) return actions;
  return updateList(actions, location.list, (list) =>
    list.map((action) => (action.id === id ? replace(action) : action)),
  );
}

/** Removes an action: `only` joins its neighbours; `following` also removes every action after it in its list. */
export function removeAction(actions: Action[], id: string, mode: DeleteMode): Action[] {
  const location = locateAction(actions, id);
  if (!location) return actions;
  return updateList(actions, location.list, (list) =>
    mode === DeleteModes.following ? list.slice(0, location.index) : list.filter((action) => action.id !== id),
  );
}

export function addComment(actions: Action[], id: string, comment: Comment): Action[] {
  return replaceAction(actions, id, (action) => ({ ...action, comments: [...action.comments, comment] }));
}
