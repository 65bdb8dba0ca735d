import { type Request, Router } from 'express';
import { getBackfillProgress, insertBackfill, runningBackfillId, stopBackfills } from '../db/backfills';
import { emailTemplateIds } from '../db/email-templates';
import { pageOfList } from '../db/page';
import { listEnrollments } from '../db/enrollments';
import { getPipeline } from '../db/pipelines';
import { queueUnenrollJob } from '../db/unenroll-jobs';
import { inTransaction, type Queryable } from '../db/pool';
import {
  deleteWorkflow,
  getWorkflow,
  insertWorkflow,
  listRevisions,
  listWorkflows,
  queueAutomationToggle,
  updateWorkflow,
  type WorkflowChange,
} from '../db/workflows';
import {
  type Action,
  ActionInputSchema,
  AddActionSchema,
  CommentInputSchema,
  CreateWorkflowSchema,
  type Definition,
  DeleteActionQuerySchema,
  DisableWorkflowSchema,
  EnrollmentsQuerySchema,
  findDefinitionProblems,
  ListWorkflowsQuerySchema,
  PatchActionSchema,
  PatchWorkflowSchema,
  patchSettings,
  Permissions,
  resolveEnrollmentRules,
  withActionIds,
  type Workflow,
} from '../domain';
import { ActionEditError, addComment, insertAction, removeAction, replaceAction } from '../domain/action-edits';
import { EnableWorkflowSchema } from '../domain/backfill';
import { roleAllows } from '../domain/roles';
import { redactHeaderValues } from '../domain/secrets';
import { findAction } from '../domain/walk';
import { allow, callerName } from './auth';
import type { ApiDeps } from './deps';
import { conflict, formatPath, HttpProblem, notFound, unprocessable, zodFields } from './problem';
import { checkVersion, pageRequest, parseIfMatch, parseInput, parsePageOnly, pathId } from './validate';

/**
 * Rejects (422) a definition that breaks a rule, naming each offending action id and field. A workflow that is off
 * may be saved as a draft with references still to fix (`forEnable: false`); `enable` checks everything. Every route
 * that writes a definition calls it.
 */
export async function checkDefinition(
  db: Queryable,
  workflow: Definition & Pick<Workflow, 'pipelineId'>,
  forEnable: boolean,
): Promise<void> {
  const pipeline = await getPipeline(db, workflow.pipelineId);
  if (!pipeline) {
    throw unprocessable('The workflow names a pipeline that does not exist.', [
      { path: 'body.pipelineId', message: `pipeline "${workflow.pipelineId}" does not exist` },
    ]);
  }
  const problems = findDefinitionProblems(workflow, pipeline, await emailTemplateIds(db)).filter(
    (problem) => forEnable || !problem.draft,
  );
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

/** The workflow (404 when there is none); `lock` holds its row until the surrounding transaction ends. */
export async function requireWorkflow(db: Queryable, id: string, lock?: 'FOR UPDATE' | 'FOR SHARE'): Promise<Workflow> {
  const workflow = await getWorkflow(db, id, lock);
  if (!workflow) throw notFound('workflow', id);
  return workflow;
}

/** The workflow, locked for a change; a templated one is changed only through its pipeline's setting (422). */
export async function requireEditableWorkflow(db: Queryable, id: string): Promise<Workflow> {
  const workflow = await requireWorkflow(db, id, 'FOR UPDATE');
  if (workflow.templated) {
    const message = `workflow "${id}" carries out the templated automation "${workflow.name}" of pipeline "${workflow.pipelineId}"`;
    throw unprocessable(`Change it with PUT /api/pipelines/${workflow.pipelineId}/ticket-status-automation.`, [
      { path: 'params.id', message },
    ]);
  }
  return workflow;
}

export function createWorkflowsRouter(deps: ApiDeps): Router {
  const { pool, newId } = deps;
  const router = Router();

  /**
   * Applies an edit to a workflow's actions in one transaction: locks the row, checks If-Match, checks the
   * resulting definition (422 naming the actions at fault), bumps the version and records the revision.
   */
  async function editActions<T>(
    req: Request,
    edit: (workflow: Workflow) => { actions: Action[]; change: Record<string, unknown>; result: T },
  ): Promise<T> {
    const id = pathId(req, 'id', 'workflow');
    const expectedVersion = parseIfMatch(req.get('if-match'));
    return inTransaction(pool, async (db) => {
      const workflow = await requireEditableWorkflow(db, id);
      checkVersion('workflow', id, workflow.version, expectedVersion);
      const { actions, change, result } = edit(workflow);
      await checkDefinition(db, { ...workflow, actions }, workflow.enabled);
      await updateWorkflow(db, id, { actions }, { by: callerName(req.caller), change });
      return result;
    });
  }

  function requireAction(workflow: Workflow, actionId: string): Action {
    const action = findAction(workflow.actions, actionId);
    if (!action) throw notFound('action', actionId);
    return action;
  }

  router.post('/', allow(Permissions.configure), async (req, res) => {
    const input = parseInput(CreateWorkflowSchema, req.body, 'body');
    const workflow = await inTransaction(pool, async (db) => {
      const draft = {
        id: input.id ?? newId('wf'),
        pipelineId: input.pipelineId,
        name: input.name,
        trigger: input.trigger,
        enrollment: resolveEnrollmentRules(input.trigger, input.enrollment),
        settings: input.settings,
        actions: withActionIds(input.actions, () => newId('act')),
        templated: false,
      };
      await checkDefinition(db, draft, false);
      const created = await insertWorkflow(db, draft, { by: callerName(req.caller), change: { type: 'created' } });
      if (!created) throw conflict(`Workflow "${draft.id}" exists already. Use another id.`);
      return created;
    });
    res.status(201).json(workflow);
  });

  router.get('/', allow(Permissions.read), async (req, res) => {
    const query = parseInput(ListWorkflowsQuerySchema, req.query, 'query');
    const page = await listWorkflows(pool, query, pageRequest(query));
    res.json({ ...page, items: page.items.map((workflow) => readableBy(req, workflow)) });
  });

  router.get('/:id', allow(Permissions.read), async (req, res) => {
    const workflow = readableBy(req, await requireWorkflow(pool, pathId(req, 'id', 'workflow')));
    const backfill = await getBackfillProgress(pool, workflow.id);
    res.json({ ...workflow, ...(backfill && { backfill }) });
  });

  router.patch('/:id', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const patch = parseInput(PatchWorkflowSchema, req.body, 'body');
    const expectedVersion = parseIfMatch(req.get('if-match'));
    const workflow = await inTransaction(pool, async (db) => {
      const current = await requireEditableWorkflow(db, id);
      checkVersion('workflow', id, current.version, expectedVersion);
      const change: WorkflowChange = {
        name: patch.name,
        enrollment: patch.enrollment && resolveEnrollmentRules(current.trigger, patch.enrollment, current.enrollment),
        settings: patch.settings && patchSettings(current.settings, patch.settings),
      };
      const changed = {
        ...current,
        name: change.name ?? current.name,
        enrollment: change.enrollment ?? current.enrollment,
        settings: change.settings ?? current.settings,
      };
      await checkDefinition(db, changed, false);
      return updateWorkflow(db, id, change, { by: callerName(req.caller), change: { type: 'updated', ...patch } });
    });
    res.json(workflow);
  });

  router.delete('/:id', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    await inTransaction(pool, async (db) => {
      await deleteWorkflow(db, await requireEditableWorkflow(db, id));
    });
    res.status(204).end();
  });

  router.post('/:id/enable', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const { enrollExisting } = parseInput(EnableWorkflowSchema, req.body ?? {}, 'body');
    await inTransaction(pool, async (db) => {
      const workflow = await requireEditableWorkflow(db, id);
      await checkDefinition(db, workflow, true);
      const { trigger, pipelineId, settings } = workflow;
      if (enrollExisting && trigger.type !== 'stage_entered') {
        const message = `only a stage_entered trigger has records already in its stage; this one is ${trigger.type}`;
        throw unprocessable('Enable it without enrollExisting.', [{ path: 'body.enrollExisting', message }]);
      }
      // With enrollExisting while a backfill runs, that one goes on (and the toggle restarts a shard that ended).
      const backfill = enrollExisting && trigger.type === 'stage_entered' && !(await runningBackfillId(db, id));
      if (backfill) {
        const { shards } = settings;
        await insertBackfill(db, {
          id: newId('backfill'),
          workflowId: id,
          pipelineId,
          stageId: trigger.stageId,
          shards,
        });
      }
      if (!workflow.enabled) {
        const change = { type: 'enabled', ...(enrollExisting && { enrollExisting }) };
        await updateWorkflow(db, id, { enabled: true }, { by: callerName(req.caller), change });
      } else if (enrollExisting) {
        await queueAutomationToggle(db, id, settings.shards);
      }
    });
    res.json({ enabled: true });
  });

  router.post('/:id/disable', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const input = parseInput(DisableWorkflowSchema, req.body ?? {}, 'body');
    await inTransaction(pool, async (db) => {
      const workflow = await requireEditableWorkflow(db, id);
      if (workflow.enabled) {
        await updateWorkflow(
          db,
          id,
          { enabled: false },
          { by: callerName(req.caller), change: { type: 'disabled', unenroll: input.unenroll } },
        );
      }
      await stopBackfills(db, id);
      if (input.unenroll) {
        const reason = `the workflow was turned off with unenroll by ${callerName(req.caller)}`;
        await queueUnenrollJob(db, { id: newId('unenroll'), workflowId: id, reason });
      }
    });
    res.json({ enabled: false });
  });

  router.get('/:id/revisions', allow(Permissions.read), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    await requireWorkflow(pool, id);
    res.json(await listRevisions(pool, id, parsePageOnly(req)));
  });

  router.get('/:id/enrollments', allow(Permissions.read), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const query = parseInput(EnrollmentsQuerySchema, req.query, 'query');
    await requireWorkflow(pool, id);
    res.json(await listEnrollments(pool, { workflowId: id, ...query }, pageRequest(query)));
  });

  router.post('/:id/actions', allow(Permissions.configure), async (req, res) => {
    const input = parseInput(AddActionSchema, req.body, 'body');
    const [action] = withActionIds([input.action], () => newId('act'));
    const added = await editActions(req, (workflow) => ({
      actions: applyEdit(() =>
        insertAction(workflow.actions, action!, {
          after: input.after,
          parent: input.parent && { parentId: input.parent.actionId, branch: input.parent.branch },
        }),
      ),
      change: { type: 'action_added', actionId: action!.id },
      result: action!,
    }));
    res.status(201).json(added);
  });

  router.patch('/:id/actions/:actionId', allow(Permissions.configure), async (req, res) => {
    const actionId = pathId(req, 'actionId', 'action');
    const { config } = parseInput(PatchActionSchema, req.body, 'body');
    const updated = await editActions(req, (workflow) => {
      const current = requireAction(workflow, actionId);
      const parsed = ActionInputSchema.safeParse({ ...current, config });
      if (!parsed.success) {
        throw new HttpProblem(
          400,
          'Invalid request',
          'The action config is invalid; see errors.',
          zodFields(parsed.error, 'body'),
        );
      }
      const [action] = withActionIds([parsed.data], () => newId('act'));
      return {
        actions: replaceAction(workflow.actions, actionId, () => action!),
        change: { type: 'action_updated', actionId },
        result: action!,
      };
    });
    res.json(updated);
  });

  router.delete('/:id/actions/:actionId', allow(Permissions.configure), async (req, res) => {
    const actionId = pathId(req, 'actionId', 'action');
    const { mode } = parseInput(DeleteActionQuerySchema, req.query, 'query');
    await editActions(req, (workflow) => {
      requireAction(workflow, actionId);
      return {
        actions: removeAction(workflow.actions, actionId, mode),
        change: { type: 'action_deleted', actionId, mode },
        result: undefined,
      };
    });
    res.status(204).end();
  });

  router.post('/:id/actions/:actionId/comments', allow(Permissions.configure), async (req, res) => {
    const actionId = pathId(req, 'actionId', 'action');
    const { body } = parseInput(CommentInputSchema, req.body, 'body');
    const comment = { id: newId('cmt'), by: callerName(req.caller), at: deps.clock().toISOString(), body };
    await editActions(req, (workflow) => {
      requireAction(workflow, actionId);
      return {
        actions: addComment(workflow.actions, actionId, comment),
        change: { type: 'comment_added', actionId },
        result: comment,
      };
    });
    res.status(201).json(comment);
  });

  router.get('/:id/actions/:actionId/comments', allow(Permissions.read), async (req, res) => {
    const workflow = await requireWorkflow(pool, pathId(req, 'id', 'workflow'));
    const { comments } = requireAction(workflow, pathId(req, 'actionId', 'action'));
    res.json(pageOfList(comments, parsePageOnly(req)));
  });

  return router;
}

/** The workflow as the caller may read it: webhook header values redacted for a role that cannot configure. */
export function readableBy<W extends Pick<Workflow, 'actions'>>(req: Request, workflow: W): W {
  const role = req.caller?.role;
  if (role && roleAllows(role, [Permissions.configure])) return workflow;
  return { ...workflow, actions: redactHeaderValues(workflow.actions) };
}

/** Runs a tree edit, turning a broken placement rule into a 422 naming the request field. */
function applyEdit(edit: () => Action[]): Action[] {
  try {
    return edit();
  } catch (error) {
    if (!(error instanceof ActionEditError)) throw error;
    throw unprocessable(error.message, [{ path: `body.${error.field}`, message: error.message }]);
  }
}
