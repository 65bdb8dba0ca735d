import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  type ActionActivityName,
  type ActionOutcome,
  ActionRoutes,
  type ActionRunInput,
  type EffectActionType,
  type RetryGroup,
} from '../src/domain/action-routes';
import { FINAL_FAILURE_TYPES } from '../src/domain/errors';

/**
 * The activities workflow code runs, with their timeouts and retry policies, and the dispatch of an action with
 * side effects to its activity: one home for the enrollment workflow and the retry of a failed action.
 */

const NON_RETRYABLE = FINAL_FAILURE_TYPES;

export const bookkeeping = proxyLocalActivities<Activities>({
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

/** Runs an action with side effects through its activity (`ActionRoutes`), under its retry group's policy. */
export function runAction(action: { type: EffectActionType }, input: ActionRunInput): Promise<ActionOutcome> {
  const entry = ActionRoutes[action.type];
  const run = (effects[entry.retry] as unknown as Record<ActionActivityName, ActionActivity>)[entry.activity];
  return run(input);
}

/**
 * The input of an action's activity in one enrollment, keyed `<enrollmentId>:<actionId>` so that the enrollment's
 * run and every retry of that action share one ledger row. `cause` is the enrollment's `requestId` (for the logs) or
 * the retry's `attempt`.
 */
export function actionRunInput(
  enrollment: { enrollmentId: string; workflowId: string; recordId: string; depth: number },
  action: { id: string; config: unknown },
  cause: { requestId?: string } | { attempt: number },
): ActionRunInput {
  return {
    key: `${enrollment.enrollmentId}:${action.id}`,
    enrollmentId: enrollment.enrollmentId,
    workflowId: enrollment.workflowId,
    recordId: enrollment.recordId,
    actionId: action.id,
    depth: enrollment.depth,
    ...cause,
    config: action.config,
  };
}

/**
 * Whether `error` is an action's final failure (to record, and go on): a remote activity's arrives wrapped in an
 * ActivityFailure, a local activity's as the ApplicationFailure it threw.
 */
export function isActionFailure(error: unknown): error is ActivityFailure | ApplicationFailure {
  return error instanceof ActivityFailure || error instanceof ApplicationFailure;
}

/** The sentence of an action's final failure, for its timeline line. */
export function failureMessage(error: ActivityFailure | ApplicationFailure): string {
  return error.cause?.message ?? error.message;
}
