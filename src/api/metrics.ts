import { type Request, type RequestHandler, Router } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, type LabelValues, Registry } from 'prom-client';
import { TimelineKinds } from '../domain';
import { EnrollmentStatuses } from '../db/enrollments';
import { outboxLag } from '../db/outbox';
import type { Pool } from '../db/pool';

/** What `createMetrics` gives the app: mount `middleware` before every router, and `router` anywhere. */
export interface HttpMetrics {
  middleware: RequestHandler;
  router: Router;
}

/** The route label of requests no route matched (404s), so that raw paths never become label values. */
const UNMATCHED_ROUTE = 'unmatched';

const ACTION_OUTCOMES = {
  [TimelineKinds.actionCompleted]: 'completed',
  [TimelineKinds.actionSkipped]: 'skipped',
  [TimelineKinds.actionFailed]: 'failed',
} as const;

/**
 * Prometheus metrics for one API process: its own registry (no global default registry), so tests can build several
 * apps. The HTTP histogram is this process's own; every other `pipewright_*` gauge is read from PostgreSQL at scrape
 * time, so it is the same whichever process of a multi-process deployment (API, worker) is scraped.
 */
export function createMetrics(deps: { pool: Pool }): HttpMetrics {
  const { pool } = deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'pipewright_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to finishing its response, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });

  new Gauge({
    name: 'pipewright_events_ingested',
    help: 'Events ever accepted (outbox rows, delivered or not), by event type.',
    labelNames: ['type'] as const,
    registers: [registry],
    async collect() {
      await readInto(this, async () => {
        const { rows } = await pool.query<{ type: string; count: string }>(
          'SELECT type, count(*) AS count FROM outbox GROUP BY type',
        );
        return rows.map((row) => [{ type: row.type }, Number(row.count)]);
      });
    },
  });

  new Gauge({
    name: 'pipewright_events_pending',
    help: 'Events accepted but not yet delivered to Temporal by the relay.',
    registers: [registry],
    async collect() {
      await readInto(this, async () => [[{}, (await outboxLag(pool)).pending]]);
    },
  });

  new Gauge({
    name: 'pipewright_relay_lag_seconds',
    help: 'Age of the oldest event not yet delivered to Temporal; 0 when none waits.',
    registers: [registry],
    async collect() {
      await readInto(this, async () => [[{}, (await outboxLag(pool)).oldestSeconds]]);
    },
  });

  new Gauge({
    name: 'pipewright_enrollments_started',
    help: 'Enrollments ever started, whatever their status now.',
    registers: [registry],
    async collect() {
      await readInto(this, async () => {
        const { rows } = await pool.query<{ count: string }>('SELECT count(*) AS count FROM enrollments');
        return [[{}, Number(rows[0]?.count ?? 0)]];
      });
    },
  });

  new Gauge({
    name: 'pipewright_enrollments',
    help: 'Enrollments by current status: running and waiting are active; completed, cancelled and failed have ended.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      await readInto(this, async () => {
        const { rows } = await pool.query<{ status: string; count: string }>(
          'SELECT status, count(*) AS count FROM enrollments GROUP BY status',
        );
        const counts = new Map<string, number>(Object.values(EnrollmentStatuses).map((status) => [status, 0]));
        for (const row of rows) counts.set(row.status, Number(row.count));
        return [...counts].map(([status, count]) => [{ status }, count]);
      });
    },
  });

  new Gauge({
    name: 'pipewright_actions',
    help:
      'Action outcome lines written to record timelines, by action type (as the workflow defines it now; "unknown" ' +
      'when the workflow or the action was deleted) and outcome (completed, skipped, failed).',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
    async collect() {
      await readInto(this, async () => {
        // Counting first and resolving the type once per (workflow, action) keeps the jsonb walk off every row.
        // `$.**` reaches actions in branch lists at any depth; `exists(@.config)` leaves out comments, which have ids
        // too. Lax mode may yield the same object twice, hence LIMIT 1.
        const { rows } = await pool.query<{ kind: keyof typeof ACTION_OUTCOMES; type: string; count: string }>(
          `WITH lines AS (
             SELECT kind, workflow_id, action_id, count(*) AS count FROM timeline
             WHERE kind = ANY($1::text[]) GROUP BY kind, workflow_id, action_id
           )
           SELECT lines.kind, coalesce(action.type, 'unknown') AS type, sum(lines.count) AS count
           FROM lines
           LEFT JOIN workflows ON workflows.id = lines.workflow_id
           LEFT JOIN LATERAL (
             SELECT found ->> 'type' AS type
             FROM jsonb_path_query(
               workflows.actions, '$.** ? (@.id == $id && exists(@.config))', jsonb_build_object('id', lines.action_id)
             ) AS found
             WHERE lines.action_id IS NOT NULL
             LIMIT 1
           ) AS action ON true
           GROUP BY lines.kind, coalesce(action.type, 'unknown')`,
          [Object.keys(ACTION_OUTCOMES)],
        );
        return rows.map((row) => [{ type: row.type, outcome: ACTION_OUTCOMES[row.kind] }, Number(row.count)]);
      });
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const route = trackMatchedRoute(req);
    const stopTimer = httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      stopTimer({ route: route() ?? UNMATCHED_ROUTE, status_code: String(res.statusCode) });
    });
    next();
  };

  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const body = await registry.metrics();
    res.type(registry.contentType).send(body);
  });

  return { middleware, router };
}

/**
 * Replaces a gauge's samples with what `read` returns. When the read fails (PostgreSQL down or slow to connect),
 * the gauge has no samples in this scrape and the error is deliberately not logged: /metrics must keep answering
 * (process metrics, HTTP latency) while the database is away, a missing series is what alerts (`absent()`) look
 * for, and the outage is reported by /readyz and by the request logs already.
 */
async function readInto<T extends string>(
  gauge: Gauge<T>,
  read: () => Promise<[LabelValues<T>, number][]>,
): Promise<void> {
  let samples: [LabelValues<T>, number][];
  try {
    samples = await read();
  } catch {
    gauge.reset();
    // reset() leaves an unlabelled gauge at 0, which would claim "no lag" during an outage; remove that sample too.
    gauge.remove({});
    return;
  }
  gauge.reset();
  for (const [labels, value] of samples) gauge.set(labels, value);
}

/**
 * The route pattern that matched `req` (`/api/records/:id`), known once a route handled it. Read when the route is
 * assigned, because Express restores `req.baseUrl` when an error leaves a router, and `req.route.path` alone
 * (`/:id`) is ambiguous.
 */
function trackMatchedRoute(req: Request): () => string | undefined {
  let route: { path: unknown } | undefined;
  let pattern: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: { path: unknown } | undefined) => {
      route = value;
      pattern = value ? `${req.baseUrl}${String(value.path)}` : undefined;
    },
  });
  return () => pattern;
}
