import { Router } from 'express';
import { getEmailTemplate } from '../db/email-templates';
import { listRecordEnrollments } from '../db/enrollments';
import { getRecord } from '../db/records';
import { Permissions, refusalReason, TestRunSchema } from '../domain';
import { type PreviewTemplate, walkTestRun } from '../domain/test-run';
import { allActions } from '../domain/walk';
import { allow } from './auth';
import type { ApiDeps } from './deps';
import { unprocessable } from './problem';
import { parseInput, pathId } from './validate';
import { requireWorkflow } from './workflows';

/**
 * `POST /api/workflows/:id/test`: what the workflow would do for a record now, writing nothing. The enrollment
 * rules are those of a real enrollment, checked as if the workflow were on (a draft can be tested); the steps are
 * walked by `walkTestRun`, on the same decisions as the enrollment workflow, up to where the workflow's goal would
 * end the enrollment (`endedBy`). The goal is no enrollment rule: a record that meets it already still enrolls.
 */
export function createWorkflowTestRouter({ pool, clock }: ApiDeps): Router {
  const router = Router();

  router.post('/:id/test', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const { recordId } = parseInput(TestRunSchema, req.body, 'body');
    const workflow = await requireWorkflow(pool, id);
    const record = await getRecord(pool, recordId);
    if (!record || record.pipelineId !== workflow.pipelineId) {
      const message = record
        ? `record "${recordId}" is in pipeline "${record.pipelineId}"; the workflow is in "${workflow.pipelineId}"`
        : `record "${recordId}" does not exist`;
      throw unprocessable('Test the workflow on a record of its pipeline.', [{ path: 'body.recordId', message }]);
    }
    const earlier = await listRecordEnrollments(pool, id, [recordId]);
    const reason = refusalReason({
      workflow: { ...workflow, enabled: true },
      record,
      event: { depth: 0 },
      earlier: earlier.length > 0 ? { active: earlier.some((enrollment) => enrollment.active) } : undefined,
    });
    const templates = new Map<string, PreviewTemplate>();
    for (const { action } of allActions(workflow.actions)) {
      if (action.type !== 'send_email') continue;
      const templateId =
        typeof action.config.template === 'string' ? action.config.template : action.config.template.customEmailId;
      const template = templates.has(templateId) ? undefined : await getEmailTemplate(pool, templateId);
      if (template) templates.set(templateId, template);
    }
    const run = walkTestRun({
      actions: workflow.actions,
      goal: workflow.settings.goal,
      schedule: { executionWindow: workflow.settings.executionWindow, pauseDates: workflow.settings.pauseDates },
      record,
      now: clock(),
      templates,
    });
    res.json({ wouldEnroll: !reason, ...(reason && { reason }), enabled: workflow.enabled, ...run });
  });

  return router;
}
