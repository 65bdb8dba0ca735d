import { type Request, Router } from 'express';
import { inTransaction, type Queryable } from '../db/pool';
import { getRevision, updateWorkflow } from '../db/workflows';
import { type Definition, Permissions, type Workflow } from '../domain';
import { restoredDefinition, RevisionParamsSchema, type RevisionWithSnapshot } from '../domain/revisions';
import { allow, callerName } from './auth';
import type { ApiDeps } from './deps';
import { HttpProblem, unprocessable } from './problem';
import { checkVersion, parseIfMatch, parseInput, pathId } from './validate';
import { checkDefinition, readableBy, requireEditableWorkflow, requireWorkflow } from './workflows';

/**
 * `GET /api/workflows/:id/revisions/:version` and `POST …/revisions/:version/restore`: one revision of a workflow with
 * the whole workflow as it left it, and putting that definition back as a new version. The list of revisions is
 * served with the other workflow routes.
 */
export function createRevisionsRouter({ pool }: ApiDeps): Router {
  const router = Router();

  router.get('/:id/revisions/:version', allow(Permissions.read), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const version = parseVersion(req);
    await requireWorkflow(pool, id);
    const revision = await requireRevision(pool, id, version);
    res.json({ ...revision, workflow: revision.workflow && readableBy(req, revision.workflow) });
  });

  router.post('/:id/revisions/:version/restore', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    const version = parseVersion(req);
    const expectedVersion = parseIfMatch(req.get('if-match'));
    const workflow = await inTransaction(pool, async (db) => {
      const current = await requireEditableWorkflow(db, id);
      checkVersion('workflow', id, current.version, expectedVersion);
      const { workflow: snapshot } = await requireRevision(db, id, version);
      if (!snapshot) {
        throw unprocessable(
          `Version ${version} of workflow "${id}" was made before revisions kept the whole definition, so it cannot be restored. Restore a later version.`,
          [{ path: 'params.version', message: `revision ${version} has no definition to restore` }],
        );
      }
      const definition = restoredDefinition(snapshot);
      await checkRestorable(db, current, definition, version);
      return updateWorkflow(db, id, definition, {
        by: callerName(req.caller),
        change: { type: 'restored', fromVersion: version },
      });
    });
    res.json(workflow);
  });

  return router;
}

/** The `:version` of the path (400 naming `params.version` unless a positive whole number). */
function parseVersion(req: Request): number {
  return parseInput(RevisionParamsSchema, { version: req.params.version }, 'params').version;
}

/** The revision, or a 404 naming `params.version`. */
async function requireRevision(db: Queryable, id: string, version: number): Promise<RevisionWithSnapshot> {
  const revision = await getRevision(db, id, version);
  if (!revision) {
    throw new HttpProblem(
      404,
      'Not found',
      `Workflow "${id}" has no version ${version}. List its revisions with GET /api/workflows/${id}/revisions.`,
      [{ path: 'params.version', message: `no revision ${version}` }],
    );
  }
  return revision;
}

/**
 * Checks the definition a restore would put back, as any edit's (limits included): a live workflow's must pass the
 * whole check, an off one's may keep references to fix before it is turned on. The 422 says which version broke it.
 */
async function checkRestorable(
  db: Queryable,
  current: Workflow,
  definition: Definition,
  version: number,
): Promise<void> {
  try {
    await checkDefinition(db, { ...current, ...definition }, current.enabled);
  } catch (error) {
    if (!(error instanceof HttpProblem) || error.status !== 422) throw error;
    const advice = current.enabled
      ? 'The workflow is on, so what it restores must be valid now: fix what the errors name, or turn the workflow off to restore it as a draft.'
      : 'Fix what the errors name first.';
    throw unprocessable(
      `Version ${version} of workflow "${current.id}" cannot be restored: ${error.detail} ${advice}`,
      error.errors ?? [],
    );
  }
}
