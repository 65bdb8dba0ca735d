import { Router } from 'express';
import { withDeadline } from '../temporal/client';
import type { ApiDeps } from './deps';

const READY_TIMEOUT_MS = 2000;
const DEPENDENCIES = ['postgres', 'temporal'] as const;

/**
 * `/healthz`: the process is up. `/readyz`: PostgreSQL and Temporal answer. Neither needs a token, so neither says
 * more than "ok" or "unavailable": why a dependency is unavailable goes to the log.
 */
export function createHealthRouter({ pool, temporal, log }: ApiDeps): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([
      pool.query('SELECT 1'),
      withDeadline(temporal, READY_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({})),
    ]);
    const [postgres, temporalCheck] = checks.map((check, index) => {
      if (check.status === 'fulfilled') return 'ok';
      log.warn({ err: check.reason, dependency: DEPENDENCIES[index] }, 'readiness check failed');
      return 'unavailable';
    });
    const ready = checks.every((check) => check.status === 'fulfilled');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', postgres, temporal: temporalCheck });
  });

  return router;
}
