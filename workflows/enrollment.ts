import { CancellationScope, isCancellation, log, setHandler, sleep } from '@temporalio/workflow';
import type { EnrollmentInput, NextStep, ProgressInput } from '../activities';
import { isEffectAction } from '../src/domain/action-routes';
import type { Action } from '../src/domain/actions';
import { type TimelineKind, TimelineKinds } from '../src/domain/events';
import { enterBranch, startWalk, type Walk } from '../src/domain/walk';
import { chooseBranch, delayOutcome, effectWait, type StepRecord } from '../src/domain/steps';
import { GOAL_MET_REASON } from '../src/domain/triggering';
import { actionRunInput, bookkeeping, failureMessage, isActionFailure, runAction } from './effects';
import { unenrollSignal } from './signals';

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
    const step = next ?? (await bookkeeping.nextStep({ workflowId: input.workflowId, recordId: input.recordId, walk }));
    next = undefined;
    if (step.kind === 'goal') {
      await progress({
        status: 'cancelled',
        line: {
          kind: TimelineKinds.unenrolled,
          detail: `unenrolled: ${GOAL_MET_REASON}`,
          dedupeKey: `${input.enrollmentId}:unenrolled`,
        },
      });
      return { status: 'cancelled', reason: GOAL_MET_REASON };
    }
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
      const record = (await bookkeeping.readRecordSnapshot({ recordId: input.recordId })) ?? NO_RECORD;
      const now = new Date();
      const outcome = delayOutcome(action.config, now, record);
      if (outcome.kind === 'skip') {
        await progress({
          status: 'running',
          currentActionId: action.id,
          line: line(TimelineKinds.actionSkipped, outcome.detail, 'skipped'),
        });
        return ctx.walk;
      }
      const waits = outcome.kind === 'wait';
      await progress({
        status: waits ? 'waiting' : 'running',
        currentActionId: action.id,
        ...(waits && { wakeAt: outcome.wakeAt.toISOString() }),
        line: line(TimelineKinds.delayStarted, outcome.detail, 'delay'),
      });
      if (waits) await sleep(outcome.wakeAt.getTime() - now.getTime());
      return ctx.walk;
    }
    case 'branch_if':
    case 'branch_value':
    case 'branch_random': {
      // Conditions see a fresh snapshot of the record, read now; a random split reads none. Math.random is seeded
      // by Temporal: the same roll on every replay.
      const random = action.type === 'branch_random';
      const record = random
        ? NO_RECORD
        : ((await bookkeeping.readRecordSnapshot({ recordId: input.recordId })) ?? NO_RECORD);
      const branch = chooseBranch(action, record, random ? Math.random() : 0);
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

/** A record that was deleted meanwhile: its steps see no properties. */
const NO_RECORD: StepRecord = { stageId: '', properties: {} };

/**
 * Runs an action with side effects: skipped while the workflow is off; on a pause date or outside the execution
 * window it first waits (`effectWait`) and then runs the action as it is defined at that moment.
 */
async function runEffect(ctx: StepContext, initial: Action, key: string): Promise<void> {
  const { input, progress } = ctx;
  let action: Action | null = initial;
  let enabled = ctx.step.enabled;
  const now = new Date();
  const { executionWindow, pauseDates } = ctx.step;
  const wait = effectWait({ executionWindow, pauseDates }, now);
  if (wait) {
    await progress({
      status: 'waiting',
      currentActionId: initial.id,
      wakeAt: wait.wakeAt.toISOString(),
      line: {
        kind: wait.kind,
        detail: wait.detail,
        dedupeKey: `${key}:${wait.kind === TimelineKinds.waitingForWindow ? 'window' : 'pause'}`,
      },
    });
    await sleep(wait.wakeAt.getTime() - now.getTime());
    const current = await bookkeeping.currentAction({ workflowId: input.workflowId, actionId: initial.id });
    action = current?.action ?? null;
    enabled = current?.enabled ?? false;
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
  try {
    await runAction(action, actionRunInput(input, action, { requestId: input.requestId }));
  } catch (error) {
    if (isCancellation(error) || !isActionFailure(error)) throw error;
    // A final failure of one action is recorded and the enrollment goes on with the next action.
    await progress({
      status: 'running',
      currentActionId: action.id,
      line: {
        kind: TimelineKinds.actionFailed,
        detail: `${action.type} failed: ${failureMessage(error)}`,
        dedupeKey: `${key}:failed`,
      },
    });
  }
}
