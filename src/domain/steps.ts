import type { Action } from './actions';
import { evaluateConditions, matchValueCase, pickSplit } from './branching';
import { TimelineKinds } from './events';
import { nextEffectStart } from './pause-dates';
import type { ExecutionWindow, PauseDates } from './schedule';
import { delayWakeAt } from './wake';

/**
 * What the steps of an enrollment decide, as pure functions of the action, the record and the time: the branch a
 * branch action takes, when a delay ends, whether an action waits for the execution window or a pause date, each
 * with the sentence the timeline (or a test run) shows. The enrollment workflow and the test run (`test-run.ts`) both call these, so a
 * test run cannot take another path than the enrollment would.
 *
 * Workflow code imports this module, so it must stay free of zod, directly and through its imports.
 */

/** The record as steps see it. */
export interface StepRecord {
  stageId: string;
  properties: Record<string, unknown>;
}

type BranchAction = Extract<Action, { type: 'branch_if' | 'branch_value' | 'branch_random' }>;

export function isBranch(action: Action): action is BranchAction {
  return action.type === 'branch_if' || action.type === 'branch_value' || action.type === 'branch_random';
}

/**
 * The branch a branch action takes on the record: `then`/`else`, `case:<n>`/`default`, or `split:<n>` for the
 * random number `roll` in [0, 1) (the workflow's `Math.random`, the same on every replay).
 */
export function chooseBranch(action: BranchAction, record: StepRecord, roll: number): { key: string; detail: string } {
  switch (action.type) {
    case 'branch_random': {
      const index = pickSplit(action.config.splits, roll);
      return {
        key: `split:${index}`,
        detail: `random split: took split ${index + 1} (${action.config.splits[index]?.percent} %)`,
      };
    }
    case 'branch_if': {
      const met = evaluateConditions(action.config.conditions, record);
      return {
        key: met ? 'then' : 'else',
        detail: met ? 'conditions met: took "then"' : 'conditions not met: took "else"',
      };
    }
    case 'branch_value': {
      const { property } = action.config;
      const value = property === 'stageId' ? record.stageId : record.properties[property];
      const index = matchValueCase(action.config.cases, value);
      return index >= 0
        ? { key: `case:${index}`, detail: `"${property}" is ${JSON.stringify(value)}: took case ${index + 1}` }
        : { key: 'default', detail: `"${property}" is ${JSON.stringify(value ?? null)}: took the default branch` };
    }
  }
}

/** What a delay that starts at `now` does: waits until `wakeAt`, goes on at once (a moment past), or is skipped. */
export type DelayOutcome =
  | { kind: 'wait'; wakeAt: Date; detail: string }
  | { kind: 'past'; wakeAt: Date; detail: string }
  | { kind: 'skip'; detail: string };

export function delayOutcome(
  config: Extract<Action, { type: 'delay' }>['config'],
  now: Date,
  record: StepRecord,
): DelayOutcome {
  const result = delayWakeAt(config, now, record.properties);
  if ('error' in result) return { kind: 'skip', detail: `delay skipped: ${result.error}` };
  const wakeAt = result.wakeAt.toISOString();
  return result.wakeAt.getTime() <= now.getTime()
    ? { kind: 'past', wakeAt: result.wakeAt, detail: `delay until ${wakeAt} is already past; continuing` }
    : { kind: 'wait', wakeAt: result.wakeAt, detail: `waiting until ${wakeAt}` };
}

/** What an action with side effects waits for: the workflow's execution window and pause dates. */
export interface EffectSchedule {
  executionWindow?: ExecutionWindow;
  pauseDates?: PauseDates;
}

/** How long an action with side effects waits, and the timeline line that says why. */
export interface EffectWait {
  wakeAt: Date;
  kind: typeof TimelineKinds.waitingForWindow | typeof TimelineKinds.waitingForPauseDate;
  detail: string;
}

/**
 * When an action with side effects reached at `now` waits (`nextEffectStart`: off the pause dates, inside the
 * execution window), with the timeline's kind and sentence; undefined when it runs now. Reached on a pause date it is
 * `waiting_for_pause_date`, "on a pause date (2026-12-25): waiting until …"; outside the window
 * `waiting_for_window`, saying so when the window's opening fell on a pause date and the wait went past it.
 */
export function effectWait(schedule: EffectSchedule, now: Date): EffectWait | undefined {
  if (!schedule.executionWindow && !schedule.pauseDates) return undefined;
  const start = nextEffectStart(schedule, now);
  if (start.at.getTime() <= now.getTime()) return undefined;
  const until = `waiting until ${start.at.toISOString()}`;
  if (start.onPauseDate) {
    return {
      wakeAt: start.at,
      kind: TimelineKinds.waitingForPauseDate,
      detail: `on a pause date (${start.onPauseDate}): ${until}`,
    };
  }
  const skipped = start.openingOnPauseDate
    ? `, whose next opening is on a pause date (${start.openingOnPauseDate})`
    : '';
  return {
    wakeAt: start.at,
    kind: TimelineKinds.waitingForWindow,
    detail: `outside the execution window${skipped}: ${until}`,
  };
}
