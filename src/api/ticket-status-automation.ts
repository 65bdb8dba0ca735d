import { Router } from 'express';
import { getPipeline } from '../db/pipelines';
import { inTransaction, type Queryable } from '../db/pool';
import { insertWorkflow, listTemplatedWorkflows, updateWorkflow } from '../db/workflows';
import { Permissions, type Pipeline, type Workflow } from '../domain';
import {
  PutTicketStatusAutomationSchema,
  TEMPLATED_AUTOMATION_KEYS,
  type TemplatedAutomationKey,
  templatedAutomationActions,
  templatedAutomationDefinition,
  templatedAutomationKey,
  templatedAutomationSetting,
  type TicketStatusAutomation,
} from '../domain/ticket-status-automation';
import { allow, callerName } from './auth';
import type { ApiDeps } from './deps';
import { notFound, type ProblemField, unprocessable } from './problem';
import { parseInput, pathId } from './validate';

/**
 * Creates the templated workflows of a ticket pipeline that it does not have yet (off, no status chosen), and
 * returns all of them by key, locked until the surrounding transaction ends.
 */
export async function ensureTemplatedWorkflows(
  db: Queryable,
  pipeline: Pipeline,
  { newId, by }: { newId: (prefix: string) => string; by: string },
): Promise<Record<TemplatedAutomationKey, Workflow>> {
  for (const key of TEMPLATED_AUTOMATION_KEYS) {
    await insertWorkflow(
      db,
      { id: newId('tsa'), pipelineId: pipeline.id, ...templatedAutomationDefinition(key, null), templated: true },
      { by, change: { type: 'created' } },
    );
  }
  const byKey: Partial<Record<TemplatedAutomationKey, Workflow>> = {};
  for (const workflow of await listTemplatedWorkflows(db, pipeline.id, 'FOR UPDATE')) {
    const key = templatedAutomationKey(workflow);
    if (key) byKey[key] = workflow;
  }
  return byKey as Record<TemplatedAutomationKey, Workflow>;
}

const settingOf = (workflows: Record<TemplatedAutomationKey, Workflow>): TicketStatusAutomation => ({
  emailSentToCustomer: templatedAutomationSetting(workflows.emailSentToCustomer),
  customerReplied: templatedAutomationSetting(workflows.customerReplied),
});

/**
 * `GET/PUT /api/pipelines/:id/ticket-status-automation`: a ticket pipeline's templated status automations. Each is
 * a workflow of the pipeline (see `src/domain/ticket-status-automation.ts`); a change is a revision of that
 * workflow, with who made it.
 */
export function createTicketStatusAutomationRouter({ pool, newId }: ApiDeps): Router {
  const router = Router();

  async function requireTicketPipeline(db: Queryable, id: string): Promise<Pipeline> {
    const pipeline = await getPipeline(db, id);
    if (!pipeline) throw notFound('pipeline', id);
    if (pipeline.objectType !== 'ticket') {
      throw unprocessable('Ticket-status automations belong to ticket pipelines.', [
        { path: 'params.id', message: `pipeline "${id}" is a ${pipeline.objectType} pipeline, not a ticket pipeline` },
      ]);
    }
    return pipeline;
  }

  router.get('/:id/ticket-status-automation', allow(Permissions.read), async (req, res) => {
    const id = pathId(req, 'id', 'pipeline');
    const setting = await inTransaction(pool, async (db) => {
      const pipeline = await requireTicketPipeline(db, id);
      return settingOf(await ensureTemplatedWorkflows(db, pipeline, { newId, by: callerName(req.caller) }));
    });
    res.json(setting);
  });

  router.put('/:id/ticket-status-automation', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'pipeline');
    const input = parseInput(PutTicketStatusAutomationSchema, req.body, 'body');
    const by = callerName(req.caller);
    const setting = await inTransaction(pool, async (db) => {
      const pipeline = await requireTicketPipeline(db, id);
      const workflows = await ensureTemplatedWorkflows(db, pipeline, { newId, by });
      const stageIds = new Set(pipeline.stages.map((stage) => stage.id));
      const problems: ProblemField[] = [];
      const changes: { workflow: Workflow; enabled: boolean; stageId: string | null }[] = [];
      for (const key of TEMPLATED_AUTOMATION_KEYS) {
        const asked = input[key];
        if (!asked) continue;
        const workflow = workflows[key];
        const current = templatedAutomationSetting(workflow);
        const enabled = asked.enabled ?? current.enabled;
        const stageId = asked.stageId === undefined ? current.stageId : asked.stageId;
        if (stageId !== null && !stageIds.has(stageId)) {
          problems.push({ path: `body.${key}.stageId`, message: `stage "${stageId}" is not in pipeline "${id}"` });
        } else if (enabled && stageId === null) {
          problems.push({ path: `body.${key}.stageId`, message: 'choose the status to move the ticket to' });
        } else if (enabled !== current.enabled || stageId !== current.stageId) {
          changes.push({ workflow, enabled, stageId });
        }
      }
      if (problems.length > 0) throw unprocessable('The ticket-status automation setting is invalid.', problems);
      for (const { workflow, enabled, stageId } of changes) {
        workflows[templatedAutomationKey(workflow)!] = await updateWorkflow(
          db,
          workflow.id,
          { enabled, actions: templatedAutomationActions(stageId) },
          { by, change: { type: 'ticket_status_automation', enabled, stageId } },
        );
      }
      return settingOf(workflows);
    });
    res.json(setting);
  });

  return router;
}
