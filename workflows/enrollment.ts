import { ActivityFailure, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { Activities, DefinitionSnapshot, EnrollmentInput, ProgressInput } from '../activities';
import {
  type Action,
  type ActionActivityName,
  ActionRegistry,
  type ActionOutcome,
  type ActionRunInput,
  isEffectAction,
  nextActionAfter,
  type RetryGroup,
  type WalkPosition,
} from '../src/domain/actions';
import { parseDuration } from '../src/domain/duration';
import { TimelineKinds } from '../src/domain/events';

const NON_RETRYABLE = ['RecordNotFound', 'InvalidAction'];

const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});

const { beginEnrollment } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m', nonRetryableErrorTypes: NON_RETRYABLE },
});

type ActionActivity = (input: ActionRunInput) => Promise<ActionOutcome>;

/** Retry-policy groups, one proxy each; the action registry says which group an action uses. */
const effects: Record<RetryGroup, Activities> = {
  quickDb: proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  }),
  smtp: proxyActivities<Activities>({
    startToCloseTimeout: '1m',
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '5m',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  }),
};

export type EnrollmentResult = { status: 'completed' } | { status: 'not_enrolled'; reason: string };

/**
 * One record's pass through one workflow (`enrollment/<workflowId>/<recordId>/<eventId>`). Reads the current
 * definition before each step, so edits reach it in flight. While the workflow is off, delays still run and
 * every other action is skipped with a timeline line.
 */
export async function enrollmentWorkflow(input: EnrollmentInput): Promise<EnrollmentResult> {
  const begin = await beginEnrollment(input);
  if (!begin.enrolled) return { status: 'not_enrolled', reason: begin.reason ?? 'not enrolled' };

  const progress = (change: Omit<ProgressInput, 'enrollmentId' | 'workflowId' | 'recordId'>) =>
    bookkeeping.recordProgress({
      ...change,
      enrollmentId: input.enrollmentId,
      workflowId: input.workflowId,
      recordId: input.recordId,
    });

  let position: WalkPosition | undefined;
  for (;;) {
    const definition = await bookkeeping.loadDefinition({ workflowId: input.workflowId });
    if (!definition) {
      await progress({
        status: 'cancelled',
        line: {
          kind: TimelineKinds.unenrolled,
          detail: 'unenrolled: the workflow was deleted',
          dedupeKey: `${input.enrollmentId}:deleted`,
        },
      });
      return { status: 'completed' };
    }
    const next = nextActionAfter(definition.actions, position);
    if (!next) break;
    await runStep(input, next.action, definition, progress);
    position = next.position;
  }
  await progress({
    status: 'completed',
    line: {
      kind: TimelineKinds.enrollmentCompleted,
      detail: 'enrollment completed',
      dedupeKey: `${input.enrollmentId}:end`,
    },
  });
  return { status: 'completed' };
}

async function runStep(
  input: EnrollmentInput,
  action: Action,
  definition: DefinitionSnapshot,
  progress: (change: Omit<ProgressInput, 'enrollmentId' | 'workflowId' | 'recordId'>) => Promise<void>,
): Promise<void> {
  const key = `${input.enrollmentId}:${action.id}`;
  if (action.type === 'delay') {
    const ms = parseDuration(action.config.for) ?? 0;
    const wakeAt = new Date(Date.now() + ms).toISOString();
    await progress({
      status: 'waiting',
      currentActionId: action.id,
      wakeAt,
      line: {
        kind: TimelineKinds.delayStarted,
        detail: `waiting ${action.config.for} until ${wakeAt}`,
        dedupeKey: `${key}:delay`,
      },
    });
    await sleep(ms);
    await progress({ status: 'running', currentActionId: action.id });
    return;
  }
  if (!isEffectAction(action)) return;
  if (!definition.enabled) {
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
  const entry = ActionRegistry[action.type];
  const run = (effects[entry.retry] as unknown as Record<ActionActivityName, ActionActivity>)[entry.activity];
  try {
    await run({
      key,
      enrollmentId: input.enrollmentId,
      workflowId: input.workflowId,
      recordId: input.recordId,
      actionId: action.id,
      depth: input.depth,
      config: action.config,
    });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
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
