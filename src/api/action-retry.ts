import { Router } from 'express';
import { enqueueActionRetry } from '../db/outbox';
import { inTransaction } from '../db/pool';
import { listFailedActions } from '../db/retries';
import { appendTimelineLines } from '../db/timeline';
import { isEffectAction, Limits, Permissions, RetryActionSchema, TimelineKinds } from '../domain';
import { findAction } from '../domain/walk';
import { allow, callerName } from './auth';
import type { ApiDeps } from './deps';
import { notFound, unprocessable } from './problem';
import { parseInput, pathId } from './validate';
import { requireWorkflow } from './workflows';

/**
 * `POST /api/workflows/:id/actions/:actionId/retry`: runs a failed action again where it failed, with its config as
 * it is now. Each retry is an `action_retried` line and an outbox row in one transaction (so it survives an
 * unreachable Temporal); the relay starts its workflow (`workflows/retry.ts`), which writes the outcome.
 */
export function createActionRetryRouter({ pool }: ApiDeps): Router {
  const router = Router();

  router.post('/:id/actions/:actionId/retry', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const actionId = pathId(req, 'actionId', 'action');
    const { recordIds } = parseInput(RetryActionSchema, req.body ?? {}, 'body');
    const retried = await inTransaction(pool, async (db) => {
      const workflow = await requireWorkflow(db, id, 'FOR SHARE');
      const action = findAction(workflow.actions, actionId);
      if (!action) throw notFound('action', actionId);
      if (!isEffectAction(action)) {
        throw unprocessable('Only actions with side effects fail, and can be retried.', [
          { path: 'params.actionId', message: `action "${actionId}" is a ${action.type}, which does not fail` },
        ]);
      }
      if (!workflow.enabled) {
        throw unprocessable('Turn the workflow on to retry its actions.', [
          { path: 'params.id', message: `workflow "${id}" is off` },
        ]);
      }
      // One retry request at a time per action, so two cannot both find the same failure.
      await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`retry/${id}/${actionId}`]);
      const failed = await listFailedActions(db, { workflowId: id, actionId, recordIds }, Limits.retriesPerRequest);
      const by = callerName(req.caller);
      await appendTimelineLines(
        db,
        failed.map(({ enrollmentId, recordId, retries }) => ({
          recordId,
          kind: TimelineKinds.actionRetried,
          workflowId: id,
          enrollmentId,
          actionId,
          detail: `${action.type} retried by ${by} (retry ${retries + 1})`,
          dedupeKey: `${enrollmentId}:${actionId}:retry-${retries + 1}`,
        })),
      );
      for (const { enrollmentId, recordId, retries } of failed) {
        await enqueueActionRetry(db, {
          enrollmentId,
          workflowId: id,
          recordId,
          actionId,
          attempt: retries + 1,
          depth: 0,
        });
      }
      return failed.length;
    });
    res.status(202).json({ retried });
  });

  return router;
}
