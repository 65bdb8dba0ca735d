import { Router } from 'express';
import type { ApiDeps } from './deps';

const READY_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `/healthz`: the process is up. `/readyz`: PostgreSQL and Temporal answer. Neither needs a token. */
export function createHealthRouter({ pool, temporal }: ApiDeps): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([
      withTimeout(pool.query('SELECT 1'), 'PostgreSQL'),
      withTimeout(temporal.workflowService.getSystemInfo({}), 'Temporal'),
    ]);
    const [postgres, temporalCheck] = checks.map((check) =>
      check.status === 'fulfilled' ? 'ok' : `unavailable: ${String(check.reason)}`,
    );
    const ready = checks.every((check) => check.status === 'fulfilled');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', postgres, temporal: temporalCheck });
  });

  return router;
}
