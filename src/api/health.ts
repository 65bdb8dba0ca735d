import { Router } from 'express';
import { withDeadline } from '../temporal/client';
import type { ApiDeps } from './deps';

const READY_TIMEOUT_MS = 2000;

/** `/healthz`: the process is up. `/readyz`: PostgreSQL and Temporal answer. Neither needs a token. */
export function createHealthRouter({ pool, temporal }: ApiDeps): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([
      pool.query('SELECT 1'),
      withDeadline(temporal, READY_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({})),
    ]);
    const [postgres, temporalCheck] = checks.map((check) =>
      check.status === 'fulfilled' ? 'ok' : `unavailable: ${String(check.reason)}`,
    );
    const ready = checks.every((check) => check.status === 'fulfilled');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', postgres, temporal: temporalCheck });
  });

  return router;
}
