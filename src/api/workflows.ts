import { Router } from 'express';
import { z } from 'zod';
import { listEnrollments } from '../db/enrollments';
import { getPipeline } from '../db/pipelines';
import { inTransaction, type Queryable } from '../db/pool';
import {
  getWorkflow,
  insertRevision,
  insertWorkflow,
  listRevisions,
  listWorkflows,
  updateWorkflow,
  type WorkflowChange,
} from '../db/workflows';
import {
  CreateWorkflowSchema,
  DisableWorkflowSchema,
  findDefinitionProblems,
  IdSchema,
  PatchWorkflowSchema,
  Permissions,
  withActionIds,
  type Workflow,
} from '../domain';
import { startAutomation, stopAutomation } from '../temporal/automation-control';
import { allow, callerName } from './auth';
import type { ApiDeps } from './deps';
import { conflict, formatPath, notFound, unprocessable } from './problem';
import { parseInput, pathId } from './validate';

const ListQuerySchema = z.object({ pipelineId: IdSchema.optional() }).strict();
const EnrollmentsQuerySchema = z
  .object({
    recordId: IdSchema.optional(),
    status: z.enum(['running', 'waiting', 'completed', 'cancelled', 'failed']).optional(),
  })
  .strict();

export function createWorkflowsRouter(deps: ApiDeps): Router {
  const { pool, newId } = deps;
  const router = Router();

  /** Rejects (422) a definition that breaks a rule, naming each offending action id and field. */
  async function checkDefinition(db: Queryable, workflow: Pick<Workflow, 'pipelineId' | 'trigger' | 'actions'>) {
    const pipeline = await getPipeline(db, workflow.pipelineId);
    if (!pipeline) {
      throw unprocessable('The workflow names a pipeline that does not exist.', [
        { path: 'body.pipelineId', message: `pipeline "${workflow.pipelineId}" does not exist` },
      ]);
    }
    const problems = findDefinitionProblems(workflow, pipeline);
    if (problems.length > 0) {
      const actionIds = [...new Set(problems.flatMap((problem) => (problem.actionId ? [problem.actionId] : [])))];
      throw unprocessable(
        `The workflow definition is invalid${actionIds.length > 0 ? ` (actions: ${actionIds.join(', ')})` : ''}.`,
        problems.map((problem) => ({
          path: formatPath(problem.path),
          message: problem.actionId ? `action ${problem.actionId}: ${problem.message}` : problem.message,
        })),
      );
    }
  }

  async function requireWorkflow(db: Queryable, id: string, lock?: 'FOR UPDATE'): Promise<Workflow> {
    const workflow = await getWorkflow(db, id, lock);
    if (!workflow) throw notFound('workflow', id);
    return workflow;
  }

  router.post('/', allow(Permissions.configure), async (req, res) => {
    const input = parseInput(CreateWorkflowSchema, req.body, 'body');
    const workflow = await inTransaction(pool, async (db) => {
      const draft = {
        id: input.id ?? newId('wf'),
        pipelineId: input.pipelineId,
        name: input.name,
        trigger: input.trigger,
        enrollment: input.enrollment,
        settings: input.settings,
        actions: withActionIds(input.actions, () => newId('act')),
      };
      await checkDefinition(db, draft);
      const created = await insertWorkflow(db, draft);
      if (!created) throw conflict(`Workflow "${draft.id}" exists already. Use another id.`);
      await insertRevision(db, created.id, created.version, {
        by: callerName(req.caller),
        change: { type: 'created' },
      });
      return created;
    });
    res.status(201).json(workflow);
  });

  router.get('/', allow(Permissions.read), async (req, res) => {
    const query = parseInput(ListQuerySchema, req.query, 'query');
    res.json({ items: await listWorkflows(pool, query) });
  });

  router.get('/:id', allow(Permissions.read), async (req, res) => {
    res.json(await requireWorkflow(pool, pathId(req, 'id', 'workflow')));
  });

  router.patch('/:id', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const patch = parseInput(PatchWorkflowSchema, req.body, 'body');
    const workflow = await inTransaction(pool, async (db) => {
      await requireWorkflow(db, id, 'FOR UPDATE');
      const change: WorkflowChange = patch;
      return updateWorkflow(db, id, change, { by: callerName(req.caller), change: { type: 'updated', ...patch } });
    });
    res.json(workflow);
  });

  router.delete('/:id', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    await inTransaction(pool, async (db) => {
      await requireWorkflow(db, id, 'FOR UPDATE');
      await db.query('DELETE FROM workflows WHERE id = $1', [id]);
    });
    await stopAutomation(deps, id);
    res.status(204).end();
  });

  router.post('/:id/enable', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    await inTransaction(pool, async (db) => {
      const workflow = await requireWorkflow(db, id, 'FOR UPDATE');
      await checkDefinition(db, workflow);
      if (!workflow.enabled) {
        await updateWorkflow(db, id, { enabled: true }, { by: callerName(req.caller), change: { type: 'enabled' } });
      }
    });
    await startAutomation(deps, id);
    res.json({ enabled: true });
  });

  router.post('/:id/disable', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const input = parseInput(DisableWorkflowSchema, req.body ?? {}, 'body');
    await inTransaction(pool, async (db) => {
      const workflow = await requireWorkflow(db, id, 'FOR UPDATE');
      if (workflow.enabled) {
        await updateWorkflow(
          db,
          id,
          { enabled: false },
          { by: callerName(req.caller), change: { type: 'disabled', unenroll: input.unenroll } },
        );
      }
    });
    await stopAutomation(deps, id);
    res.json({ enabled: false });
  });

  router.get('/:id/revisions', allow(Permissions.read), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    await requireWorkflow(pool, id);
    res.json({ items: await listRevisions(pool, id) });
  });

  router.get('/:id/enrollments', allow(Permissions.read), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const query = parseInput(EnrollmentsQuerySchema, req.query, 'query');
    await requireWorkflow(pool, id);
    res.json({ items: await listEnrollments(pool, { workflowId: id, ...query }) });
  });

  return router;
}
