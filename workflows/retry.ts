import { isEffectAction } from '../src/domain/action-routes';
import { type ActionRetryInput, type TimelineKind, TimelineKinds } from '../src/domain/events';
import { actionRunInput, bookkeeping, failureMessage, isActionFailure, runAction } from './effects';

/**
 * Runs one failed action of an enrollment again (`retry/<enrollmentId>/<actionId>/<attempt>`), with the action's
 * config as it is now, under the same ledger key as the first run: an effect that completed is never repeated. Only
 * that action runs: the enrollment itself went on (or ended) after the failure. The outcome is a timeline line like
 * any run's; a failure, a deletion or a workflow turned off in the meantime each say so.
 */
export async function actionRetryWorkflow(input: ActionRetryInput): Promise<void> {
  const key = `${input.enrollmentId}:${input.actionId}`;
  const line = (kind: TimelineKind, detail: string, suffix: string) =>
    bookkeeping.appendActionLine({
      recordId: input.recordId,
      kind,
      workflowId: input.workflowId,
      enrollmentId: input.enrollmentId,
      actionId: input.actionId,
      detail,
      dedupeKey: `${key}:retry-${input.attempt}:${suffix}`,
    });
  const current = await bookkeeping.currentAction({ workflowId: input.workflowId, actionId: input.actionId });
  const action = current?.action;
  if (!action || !isEffectAction(action)) {
    await line(TimelineKinds.actionSkipped, 'retry skipped: the action was deleted from the workflow', 'skipped');
    return;
  }
  if (!current.enabled) {
    // Written as a failure: the action has still not run, and a retry once the workflow is on again may run it.
    await line(TimelineKinds.actionFailed, `${action.type} not retried: the workflow was turned off`, 'failed');
    return;
  }
  try {
    await runAction(action, actionRunInput(input, action, { attempt: input.attempt }));
  } catch (error) {
    if (!isActionFailure(error)) throw error;
    await line(TimelineKinds.actionFailed, `${action.type} failed again: ${failureMessage(error)}`, 'failed');
  }
}
