import type { Action } from './actions';
import { branchLists } from './walk';

/**
 * The contract's limits on what one request, record or workflow may hold (docs/api.md, "Limits"), so that no
 * single one can make the engine do unbounded work. Each is checked on every path that writes the thing it bounds;
 * this module is their one home. Durations have theirs in `duration.ts`.
 */
export const Limits = {
  /** Actions in a workflow definition, nested ones included. */
  actions: 500,
  /** Branch actions inside branch actions: a top-level branch is depth 1. */
  branchDepth: 10,
  /** A workflow definition (name, trigger, enrollment, settings, actions) as JSON, in bytes. */
  definitionBytes: 256 * 1024,
  /** Properties of one record. */
  propertyKeys: 200,
  /** A record's properties as JSON, in bytes. */
  propertiesBytes: 64 * 1024,
  /** Dates in a workflow's `settings.pauseDates`. */
  pauseDates: 1_000,
  /** Enrollments one retry request runs a failed action again for; a request for more retries the oldest. */
  retriesPerRequest: 1_000,
  /** A string a condition compares with, or a value a branch matches. */
  conditionText: 1_000,
  /**
   * Levels of arrays and objects a request's JSON may nest (the document itself is level 1). Deeper input makes
   * recursive code (schemas, `JSON.stringify`, PostgreSQL's jsonb parser) run out of stack.
   */
  jsonDepth: 100,
} as const;

const utf8 = new TextEncoder();

/** Bytes of `value` as JSON in UTF-8. */
export const jsonBytes = (value: unknown): number => utf8.encode(JSON.stringify(value) ?? '').length;

/** A limit a definition breaks: the path of the field at fault and the sentence saying so. */
export interface LimitProblem {
  path: (string | number)[];
  actionId?: string;
  message: string;
}

/**
 * Checks a definition against the limits: actions in all, branch nesting, size. Paths of nested actions read
 * `<branchActionId>.<branch>[index]`, like the other definition problems.
 */
export function definitionLimitProblems(definition: { actions: Action[] } & Record<string, unknown>): LimitProblem[] {
  const problems: LimitProblem[] = [];
  let count = 0;
  const visit = (actions: Action[], path: (string | number)[], depth: number) => {
    for (const [index, action] of actions.entries()) {
      count += 1;
      const lists = branchLists(action);
      if (lists.length === 0) continue;
      if (depth + 1 > Limits.branchDepth) {
        problems.push({
          path: [...path, index],
          actionId: action.id,
          message: `branches are nested more than ${Limits.branchDepth} deep here; move part of this branch into a workflow of its own`,
        });
        continue;
      }
      for (const list of lists) visit(list.actions, [`${action.id}.${list.branch}`], depth + 1);
    }
  };
  visit(definition.actions, ['actions'], 0);
  if (count > Limits.actions) {
    problems.push({
      path: ['actions'],
      message: `the workflow has ${count} actions, nested ones included; at most ${Limits.actions} are allowed`,
    });
  }
  const bytes = jsonBytes(definition);
  if (bytes > Limits.definitionBytes) {
    problems.push({
      path: ['actions'],
      message: `the definition is ${bytes} bytes as JSON; at most ${Limits.definitionBytes} are allowed (comments count too)`,
    });
  }
  return problems;
}

/** Why a record's properties break the limits, or undefined when they keep them. */
export function propertiesProblem(properties: Record<string, unknown>): string | undefined {
  const keys = Object.keys(properties).length;
  if (keys > Limits.propertyKeys) {
    return `a record has at most ${Limits.propertyKeys} properties; this would make ${keys}`;
  }
  const bytes = jsonBytes(properties);
  if (bytes > Limits.propertiesBytes) {
    return `a record's properties are at most ${Limits.propertiesBytes} bytes as JSON; these would be ${bytes}`;
  }
  return undefined;
}
