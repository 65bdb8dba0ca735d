import { Router } from 'express';
import { decideEnrollments, lockEnrollmentDecisions } from '../db/enrollment-decisions';
import { listRecordEnrollments } from '../db/enrollments';
import { enqueueEnrollmentStart } from '../db/outbox';
import { getRecord } from '../db/records';
import { queueUnenrollJob } from '../db/unenroll-jobs';
import { getWorkflow } from '../db/workflows';
import {
  enrollmentInput,
  ManualEnrollmentSchema,
  Permissions,
  type Refusal,
  RefusalRules,
  type Workflow,
} from '../domain';
import { allow, callerName } from './auth';
import type { ApiDeps } from './deps';
import { answerOnce } from './idempotency';
import { type HttpProblem, notFound, unprocessable } from './problem';
import { parseInput, pathId } from './validate';

/**
 * Enrolling and unenrolling one record by hand: `POST /api/workflows/:id/enrollments` and `…/enrollments/unenroll`.
 * Each is decided in the request's transaction, under the locks of automatic decisions, and handed to the relay
 * (an outbox row, an unenroll job) so that it is carried out even while Temporal is unreachable.
 */
export function createEnrollmentOperationsRouter({ pool, newId, log }: ApiDeps): Router {
  const router = Router();

  router.post('/:id/enrollments', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const { recordId } = parseInput(ManualEnrollmentSchema, req.body, 'body');
    const answer = await answerOnce(pool, req, `POST /api/workflows/${id}/enrollments`, async (db) => {
      requireOperableWorkflow(await getWorkflow(db, id), id);
      const input = enrollmentInput(id, { eventId: newId('manual'), recordId, depth: 0, requestId: req.id });
      const { workflow, decisions } = await decideEnrollments(db, id, [input], { byHand: callerName(req.caller) });
      const decision = decisions[0]!;
      const reason = decision.enrolled ? undefined : decision.refusal.reason;
      log.info(
        { requestId: req.id, enrollmentId: input.enrollmentId, enrolled: !reason, reason },
        'enrollment decided',
      );
      if (!decision.enrolled) throw refused(id, recordId, decision.refusal);
      await enqueueEnrollmentStart(db, { eventId: input.eventId, enrollment: input, pipelineId: workflow!.pipelineId });
      return { status: 202, body: { enrollmentId: input.enrollmentId } };
    });
    res.status(answer.status).json(answer.body);
  });

  router.post('/:id/enrollments/unenroll', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const { recordId } = parseInput(ManualEnrollmentSchema, req.body, 'body');
    const answer = await answerOnce(pool, req, `POST /api/workflows/${id}/enrollments/unenroll`, async (db) => {
      // Under the decisions' lock: the enrollments answered are the ones the job ends.
      requireOperableWorkflow(await lockEnrollmentDecisions(db, id, [recordId]), id);
      if (!(await getRecord(db, recordId))) throw unknownRecord(recordId);
      const active = (await listRecordEnrollments(db, id, [recordId]))
        .filter((enrollment) => enrollment.active)
        .map((enrollment) => enrollment.id);
      if (active.length > 0) {
        const reason = `by hand by ${callerName(req.caller)}`;
        await queueUnenrollJob(db, { id: newId('unenroll'), workflowId: id, recordId, reason });
      }
      return { status: 200, body: { unenrolled: active } };
    });
    res.status(answer.status).json(answer.body);
  });

  return router;
}

/** The workflow (404 when there is none); a templated one is run only by its pipeline's setting (422). */
function requireOperableWorkflow(workflow: Workflow | undefined, id: string): Workflow {
  if (!workflow) throw notFound('workflow', id);
  if (workflow.templated) {
    const message = `workflow "${id}" carries out the templated automation "${workflow.name}" of pipeline "${workflow.pipelineId}"`;
    throw unprocessable(
      `Records enter and leave it by email events; change it with PUT /api/pipelines/${workflow.pipelineId}/ticket-status-automation.`,
      [{ path: 'params.id', message }],
    );
  }
  return workflow;
}

function unknownRecord(recordId: string): HttpProblem {
  return unprocessable(`Record "${recordId}" does not exist. Check the id, or create the record first.`, [
    { path: 'body.recordId', message: `record "${recordId}" does not exist` },
  ]);
}

/** A refused manual enrollment: 422 naming the workflow or the record, with the reason an automatic one would log. */
function refused(workflowId: string, recordId: string, { rule, reason }: Refusal): HttpProblem {
  switch (rule) {
    case RefusalRules.workflowDeleted:
      return notFound('workflow', workflowId);
    case RefusalRules.workflowOff:
      return unprocessable(`Turn the workflow on (POST /api/workflows/${workflowId}/enable) to enroll records in it.`, [
        { path: 'params.id', message: reason },
      ]);
    case RefusalRules.recordDeleted:
      return unknownRecord(recordId);
    default:
      return unprocessable(`Record "${recordId}" was not enrolled: ${reason}.`, [
        { path: 'body.recordId', message: reason },
      ]);
  }
}
