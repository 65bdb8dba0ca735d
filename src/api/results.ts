import { Router } from 'express';
import { listSentEmails } from '../db/emails';
import { listTasks } from '../db/tasks';
import { EmailsQuerySchema, Permissions, TasksQuerySchema } from '../domain';
import { allow } from './auth';
import type { ApiDeps } from './deps';
import { pageRequest, parseInput } from './validate';

/** What automations produced: `GET /api/tasks` and `GET /api/emails`. */
export function createResultsRouter({ pool }: ApiDeps): Router {
  const router = Router();

  router.get('/tasks', allow(Permissions.read), async (req, res) => {
    const query = parseInput(TasksQuerySchema, req.query, 'query');
    res.json(await listTasks(pool, query, pageRequest(query)));
  });

  router.get('/emails', allow(Permissions.read), async (req, res) => {
    const query = parseInput(EmailsQuerySchema, req.query, 'query');
    res.json(await listSentEmails(pool, query, pageRequest(query)));
  });

  return router;
}
