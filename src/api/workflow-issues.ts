import { Router } from 'express';
import { listWorkflowIssues } from '../db/issues';
import { getWorkflow } from '../db/workflows';
import { Permissions } from '../domain';
import { allow } from './auth';
import type { ApiDeps } from './deps';
import { notFound } from './problem';
import { pathId } from './validate';

/**
 * `GET /api/workflows/:id/issues`: what an operator should look at in a workflow — its failed and skipped actions
 * and the records it did not enroll — grouped by action, kind and reason, the most recent group first.
 */
export function createWorkflowIssuesRouter({ pool }: ApiDeps): Router {
  const router = Router();

  router.get('/:id/issues', allow(Permissions.read), async (req, res) => {
    const id = pathId(req, 'id', 'workflow');
    if (!(await getWorkflow(pool, id))) throw notFound('workflow', id);
    res.json({ items: await listWorkflowIssues(pool, id) });
  });

  return router;
}
