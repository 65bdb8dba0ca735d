import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Activities, EnrollmentInput, NextStep, ProgressInput } from '../activities';
import {
  type ActionActivityName,
  type ActionOutcome,
  ActionRoutes,
  type ActionRunInput,
  isEffectAction,
  type RetryGroup,
} from '../src/domain/action-routes';
import type { Action } from '../src/domain/actions';
import { evaluateConditions, matchValueCase, pickSplit } from '../src/domain/branching';
import { FINAL_FAILURE_TYPES } from '../src/domain/errors';
import { type TimelineKind, TimelineKinds } from '../src/domain/events';
import { enterBranch, startWalk, type Walk } from '../src/domain/walk';
import { delayWakeAt, nextExecutionWindowStart } from '../src/domain/wake';
import { unenrollSignal } from './signals';

const NON_RETRYABLE = FINAL_FAILURE_TYPES;

const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});

/**
 * Database-only work — the enrollment decision and the `quickDb` actions (tasks, properties, stages) — runs as local
 * activities: inside the workflow task, without a round trip through the task queue. Once-only still holds, since
 * each is idempotent by its key (a re-run after a crash finds its ledger row). 60 attempts span about an hour: a
 * database away for longer fails the action (the timeline says so, and it can be retried), instead of retrying it
 * for ever. Bookkeeping (`bookkeeping`) keeps retrying: its lines must not be lost.
 */
const QUICK_DB = {
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: 60,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
} as const;

const localDb = proxyLocalActivities<Activities>(QUICK_DB);

type ActionActivity = (input: ActionRunInput) => Promise<ActionOutcome>;

/** Retry-policy groups, one proxy each; `ActionRoutes` says which group an action uses. */
const effects: Record<RetryGroup, Activities> = {
  quickDb: localDb,
  smtp: proxyActivities<Activities>({
    startToCloseTimeout: '1m',
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '5m',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  }),
  // Like the best-known CRM webhooks: growing gaps for up to three days, then the action fails.
  webhook: proxyActivities<Activities>({
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '3 days',
    retry: {
      initialInterval: '10s',
      backoffCoefficient: 2,
      maximumInterval: '1h',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  }),
};

export type EnrollmentResult =
  { status: 'completed' } | { status: 'not_enrolled'; reason: string } | { status: 'cancelled'; reason: string };

type Progress = Omit<ProgressInput, 'enrollmentId' | 'workflowId' | 'recordId'>;

/**
 * One record's pass through one workflow (`enrollment/<workflowId>/<recordId>/<eventId>`). Reads the current
 * definition before each step, so edits reach it in flight. While the workflow is off, delays and branches still
 * run and every other action is skipped with a timeline line. The `unenroll` signal ends it with its reason.
 */
export async function enrollmentWorkflow(input: EnrollmentInput): Promise<EnrollmentResult> {
  const progress = (change: Progress) =>
    bookkeeping.recordProgress({
      ...change,
      enrollmentId: input.enrollmentId,
      workflowId: input.workflowId,
      recordId: input.recordId,
    });
  let unenrollReason: string | undefined;
  const scope = new CancellationScope();
  setHandler(unenrollSignal, ({ reason }) => {
    unenrollReason ??= reason;
    scope.cancel();
  });
  try {
    return await scope.run(() => walkActions(input, progress));
  } catch (error) {
    if (!isCancellation(error)) throw error;
    const reason = unenrollReason ?? 'the enrollment was cancelled';
    await CancellationScope.nonCancellable(() =>
      progress({
        status: 'cancelled',
        line: {
          kind: TimelineKinds.unenrolled,
          detail: `unenrolled: ${reason}`,
          dedupeKey: `${input.enrollmentId}:unenrolled`,
        },
      }),
    );
    return { status: 'cancelled', reason };
  }
}

async function walkActions(
  input: EnrollmentInput,
  progress: (change: Progress) => Promise<void>,
): Promise<EnrollmentResult> {
  const begin = await bookkeeping.beginEnrollment(input);
  if (!begin.enrolled) return { status: 'not_enrolled', reason: begin.reason };
  log.info('enrollment started', { requestId: input.requestId, recordId: input.recordId, eventId: input.eventId });

  // The first step comes with the decision; every later one is read again, so edits reach the enrollment in flight.
  let next: NextStep | undefined = begin.step;
  let walk = startWalk();
  for (;;) {
    const step = next ?? (await bookkeeping.nextStep({ workflowId: input.workflowId, walk }));
    next = undefined;
    if (step.kind === 'gone') {
      await progress({
        status: 'cancelled',
        line: {
          kind: TimelineKinds.unenrolled,
          detail: 'unenrolled: the workflow was deleted',
          dedupeKey: `${input.enrollmentId}:deleted`,
        },
      });
      return { status: 'cancelled', reason: 'the workflow was deleted' };
    }
    if (step.kind === 'end') {
      const detail =
        step.reason === 'deleted' ? 'enrollment ended: the remaining actions were deleted' : 'enrollment completed';
      await progress({
        status: 'completed',
        line: { kind: TimelineKinds.enrollmentCompleted, detail, dedupeKey: `${input.enrollmentId}:end` },
      });
      return { status: 'completed' };
    }
    for (const deletedId of step.deletedIds) await progress(deletedActionSkipped(input, deletedId));
    walk = await runStep({ input, progress, step, walk: step.walk }, step.action);
  }
}

/** The skip line for an action the enrollment would have run next, but that was deleted from the workflow. */
function deletedActionSkipped(input: EnrollmentInput, actionId: string): Progress {
  return {
    status: 'running',
    currentActionId: actionId,
    line: {
      kind: TimelineKinds.actionSkipped,
      detail: 'skipped: the action was deleted from the workflow',
      dedupeKey: `${input.enrollmentId}:${actionId}:deleted`,
    },
  };
}

interface StepContext {
  input: EnrollmentInput;
  progress: (change: Progress) => Promise<void>;
  step: Extract<NextStep, { kind: 'action' }>;
  walk: Walk;
}

/** Runs one action and returns the walk after it (a branch enters one of its lists). */
async function runStep(ctx: StepContext, action: Action): Promise<Walk> {
  const { input, progress } = ctx;
  const key = `${input.enrollmentId}:${action.id}`;
  const line = (kind: TimelineKind, detail: string, suffix: string) => ({
    kind,
    detail,
    dedupeKey: `${key}:${suffix}`,
  });

  switch (action.type) {
    case 'delay': {
      const record = await bookkeeping.readRecordSnapshot({ recordId: input.recordId });
      const now = new Date();
      const result = delayWakeAt(action.config, now, record?.properties ?? {});
      if ('error' in result) {
        await progress({
          status: 'running',
          currentActionId: action.id,
          line: line(TimelineKinds.actionSkipped, `delay skipped: ${result.error}`, 'skipped'),
        });
        return ctx.walk;
      }
      const wakeAt = result.wakeAt.toISOString();
      if (result.wakeAt.getTime() <= now.getTime()) {
        await progress({
          status: 'running',
          currentActionId: action.id,
          line: line(TimelineKinds.delayStarted, `delay until ${wakeAt} is already past; continuing`, 'delay'),
        });
        return ctx.walk;
      }
      await progress({
        status: 'waiting',
        currentActionId: action.id,
        wakeAt,
        line: line(TimelineKinds.delayStarted, `waiting until ${wakeAt}`, 'delay'),
      });
      await sleep(result.wakeAt.getTime() - now.getTime());
      return ctx.walk;
    }
    case 'branch_if':
    case 'branch_value':
    case 'branch_random': {
      const branch = await chooseBranch(input, action);
      await progress({
        status: 'running',
        currentActionId: action.id,
        line: line(TimelineKinds.actionCompleted, branch.detail, 'completed'),
      });
      return enterBranch(ctx.walk, action.id, branch.key);
    }
    default:
      await runEffect(ctx, action, key);
      return ctx.walk;
  }
}

async function chooseBranch(input: EnrollmentInput, action: Action): Promise<{ key: string; detail: string }> {
  if (action.type === 'branch_random') {
    // Math.random is seeded by Temporal: the same roll on every replay.
    const index = pickSplit(action.config.splits, Math.random());
    return {
      key: `split:${index}`,
      detail: `random split: took split ${index + 1} (${action.config.splits[index]?.percent} %)`,
    };
  }
  // Conditions see a fresh snapshot of the record, read now.
  const record = (await bookkeeping.readRecordSnapshot({ recordId: input.recordId })) ?? {
    stageId: '',
    properties: {},
  };
  if (action.type === 'branch_if') {
    const met = evaluateConditions(action.config.conditions, record);
    return {
      key: met ? 'then' : 'else',
      detail: met ? 'conditions met: took "then"' : 'conditions not met: took "else"',
    };
  }
  if (action.type !== 'branch_value') throw new Error(`not a branch: ${action.type}`);
  const { property } = action.config;
  const value = property === 'stageId' ? record.stageId : record.properties[property];
  const index = matchValueCase(action.config.cases, value);
  return index >= 0
    ? { key: `case:${index}`, detail: `"${property}" is ${JSON.stringify(value)}: took case ${index + 1}` }
    : { key: 'default', detail: `"${property}" is ${JSON.stringify(value ?? null)}: took the default branch` };
}

/**
 * Runs an action with side effects: skipped while the workflow is off; outside the execution window it first
 * waits for the next opening and then runs the action as it is defined at that moment.
 */
async function runEffect(ctx: StepContext, initial: Action, key: string): Promise<void> {
  const { input, progress } = ctx;
  let action: Action | null = initial;
  let enabled = ctx.step.enabled;
  const window = ctx.step.executionWindow;
  if (window) {
    const now = new Date();
    const opening = nextExecutionWindowStart(window, now);
    if (opening.getTime() > now.getTime()) {
      const wakeAt = opening.toISOString();
      await progress({
        status: 'waiting',
        currentActionId: initial.id,
        wakeAt,
        line: {
          kind: TimelineKinds.waitingForWindow,
          detail: `outside the execution window: waiting until ${wakeAt}`,
          dedupeKey: `${key}:window`,
        },
      });
      await sleep(opening.getTime() - now.getTime());
      const current = await bookkeeping.currentAction({ workflowId: input.workflowId, actionId: initial.id });
      action = current?.action ?? null;
      enabled = current?.enabled ?? false;
    }
  }
  if (!action || !isEffectAction(action)) {
    await progress(deletedActionSkipped(input, initial.id));
    return;
  }
  if (!enabled) {
    await progress({
      status: 'running',
      currentActionId: action.id,
      line: {
        kind: TimelineKinds.actionSkipped,
        detail: `skipped ${action.type}: the workflow is off`,
        dedupeKey: `${key}:skipped`,
      },
    });
    return;
  }
  // The action's activity records that the enrollment runs it (`markActionStarted`).
  const entry = ActionRoutes[action.type];
  const run = (effects[entry.retry] as unknown as Record<ActionActivityName, ActionActivity>)[entry.activity];
  try {
    await run({
      key,
      enrollmentId: input.enrollmentId,
      workflowId: input.workflowId,
      recordId: input.recordId,
      actionId: action.id,
      depth: input.depth,
      requestId: input.requestId,
      config: action.config,
    });
  } catch (error) {
    // A local activity's final failure arrives as the ApplicationFailure it threw, a remote one's wrapped.
    if (isCancellation(error) || !(error instanceof ActivityFailure || error instanceof ApplicationFailure))
      throw error;
    // A final failure of one action is recorded and the enrollment goes on with the next action.
    await progress({
      status: 'running',
      currentActionId: action.id,
      line: {
        kind: TimelineKinds.actionFailed,
        detail: `${action.type} failed: ${error.cause?.message ?? error.message}`,
        dedupeKey: `${key}:failed`,
      },
    });
  }
}
