import { Router } from 'express';
import { z } from 'zod';
import { listSentEmails } from '../db/emails';
import { listTasks } from '../db/tasks';
import { IdSchema, Permissions } from '../domain';
import { allow } from './auth';
import type { ApiDeps } from './deps';
import { parseInput } from './validate';

const TasksQuerySchema = z.object({ recordId: IdSchema.optional() }).strict();
const EmailsQuerySchema = z
  .object({ recordId: IdSchema.optional(), to: z.string().min(1).max(320).optional() })
  .strict();

/** What automations produced: `GET /api/tasks` and `GET /api/emails`. */
export function createResultsRouter({ pool }: ApiDeps): Router {
  const router = Router();

  router.get('/tasks', allow(Permissions.read), async (req, res) => {
    res.json({ items: await listTasks(pool, parseInput(TasksQuerySchema, req.query, 'query')) });
  });

  router.get('/emails', allow(Permissions.read), async (req, res) => {
    res.json({ items: await listSentEmails(pool, parseInput(EmailsQuerySchema, req.query, 'query')) });
  });

  return router;
}
