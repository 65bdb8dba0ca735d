import { createHash, timingSafeEqual } from 'node:crypto';
import { type Request, type RequestHandler, Router } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, type LabelValues, Registry } from 'prom-client';
import { GOAL_MET_REASON, TimelineKinds } from '../domain';
import { EnrollmentStatuses } from '../domain/enrollments';
import { outboxLag } from '../db/outbox';
import { inTransaction, type Pool } from '../db/pool';
import { HttpProblem } from './problem';

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

/** How long one reading of the database-backed gauges serves scrapes: scraping more often costs no more queries. */
export const DATABASE_READ_MAX_AGE_MS = 10_000;
/** A reading that takes longer is abandoned (its gauges are left out of that scrape) instead of holding a connection. */
const DATABASE_READ_TIMEOUT_MS = 5_000;
/**
 * How long past its wake-up time a waiting enrollment may still be waiting before it counts as overdue: a timer that
 * fired is picked up by a worker within moments, so a minute leaves room for a busy worker, not for a stuck one.
 */
export const OVERDUE_GRACE_SECONDS = 60;

/** Everything the `pipewright_*` gauges show, read from PostgreSQL in one transaction. */
interface DatabaseReading {
  eventsByType: { type: string; count: string }[];
  lag: { pending: number; oldestSeconds: number };
  enrollmentsStarted: number;
  enrollmentsByStatus: { status: string; count: string }[];
  enrollmentsOverdue: number;
  actions: { kind: keyof typeof ACTION_OUTCOMES; type: string; count: string }[];
  goalsMet: { workflow_id: string; count: string }[];
}

async function readDatabase(pool: Pool): Promise<DatabaseReading> {
  return inTransaction(pool, async (db) => {
    await db.query(`SET LOCAL statement_timeout = ${DATABASE_READ_TIMEOUT_MS}`);
    const eventsByType = await db.query<{ type: string; count: string }>(
      'SELECT type, count(*) AS count FROM outbox GROUP BY type',
    );
    const lag = await outboxLag(db);
    const started = await db.query<{ count: string }>('SELECT count(*) AS count FROM enrollments');
    const byStatus = await db.query<{ status: string; count: string }>(
      'SELECT status, count(*) AS count FROM enrollments GROUP BY status',
    );
    const overdue = await db.query<{ count: string }>(
      `SELECT count(*) AS count FROM enrollments
       WHERE status = 'waiting' AND wake_at < now() - make_interval(secs => $1)`,
      [OVERDUE_GRACE_SECONDS],
    );
    // Counting first (an index-only scan of timeline_outcome_idx) and resolving the type once per (workflow, action)
    // keeps the jsonb walk off every row. `$.**` reaches actions in branch lists at any depth; `exists(@.config)`
    // leaves out comments, which have ids too. Lax mode may yield the same object twice, hence LIMIT 1.
    const actions = await db.query<DatabaseReading['actions'][number]>(
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
    const goalsMet = await db.query<DatabaseReading['goalsMet'][number]>(
      `SELECT workflow_id, count(*) AS count FROM timeline
       WHERE kind = $1 AND detail = $2 AND workflow_id IS NOT NULL GROUP BY workflow_id`,
      [TimelineKinds.unenrolled, `unenrolled: ${GOAL_MET_REASON}`],
    );
    return {
      eventsByType: eventsByType.rows,
      lag,
      enrollmentsStarted: Number(started.rows[0]?.count ?? 0),
      enrollmentsByStatus: byStatus.rows,
      enrollmentsOverdue: Number(overdue.rows[0]?.count ?? 0),
      actions: actions.rows,
      goalsMet: goalsMet.rows,
    };
  });
}

/**
 * The latest database reading, read again when older than `maxAgeMs`; scrapes that arrive while a reading is under
 * way share it. A failed reading is not kept, so the next scrape tries again.
 */
function cachedReading(pool: Pool, maxAgeMs: number): () => Promise<DatabaseReading> {
  let latest: { at: number; reading: Promise<DatabaseReading> } | undefined;
  return () => {
    if (!latest || Date.now() - latest.at > maxAgeMs) {
      const entry = { at: Date.now(), reading: readDatabase(pool) };
      entry.reading.catch(() => {
        if (latest === entry) latest = undefined;
      });
      latest = entry;
    }
    return latest.reading;
  };
}

/**
 * Prometheus metrics for one API process: its own registry (no global default registry), so tests can build several
 * apps. The HTTP histogram is this process's own; every other `pipewright_*` gauge is read from PostgreSQL (at most
 * once per `maxAgeMs`, in one transaction on one connection), so it is the same whichever process of a
 * multi-process deployment is scraped. With `token` set, a scrape needs `Authorization: Bearer <token>`.
 */
export function createMetrics(deps: { pool: Pool; token?: string; maxAgeMs?: number }): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const reading = cachedReading(deps.pool, deps.maxAgeMs ?? DATABASE_READ_MAX_AGE_MS);

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
      await readInto(this, async () =>
        (await reading()).eventsByType.map((row) => [{ type: row.type }, Number(row.count)]),
      );
    },
  });

  new Gauge({
    name: 'pipewright_events_pending',
    help: 'Events accepted but not yet delivered to Temporal by the relay.',
    registers: [registry],
    async collect() {
      await readInto(this, async () => [[{}, (await reading()).lag.pending]]);
    },
  });

  new Gauge({
    name: 'pipewright_relay_lag_seconds',
    help: 'Age of the oldest event not yet delivered to Temporal; 0 when none waits.',
    registers: [registry],
    async collect() {
      await readInto(this, async () => [[{}, (await reading()).lag.oldestSeconds]]);
    },
  });

  new Gauge({
    name: 'pipewright_enrollments_started',
    help: 'Enrollments ever started, whatever their status now.',
    registers: [registry],
    async collect() {
      await readInto(this, async () => [[{}, (await reading()).enrollmentsStarted]]);
    },
  });

  new Gauge({
    name: 'pipewright_enrollments',
    help: 'Enrollments by current status: running and waiting are active; completed, cancelled and failed have ended.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      await readInto(this, async () => {
        const counts = new Map<string, number>(Object.values(EnrollmentStatuses).map((status) => [status, 0]));
        for (const row of (await reading()).enrollmentsByStatus) counts.set(row.status, Number(row.count));
        return [...counts].map(([status, count]) => [{ status }, count]);
      });
    },
  });

  new Gauge({
    name: 'pipewright_enrollments_overdue',
    help:
      `Waiting enrollments whose wake-up time (a delay's end, an execution window's opening) passed more than ` +
      `${OVERDUE_GRACE_SECONDS} s ago: more than 0 for minutes means the workers are not picking up timers.`,
    registers: [registry],
    async collect() {
      await readInto(this, async () => [[{}, (await reading()).enrollmentsOverdue]]);
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
      await readInto(this, async () =>
        (await reading()).actions.map((row) => [
          { type: row.type, outcome: ACTION_OUTCOMES[row.kind] },
          Number(row.count),
        ]),
      );
    },
  });

  new Gauge({
    name: 'pipewright_goals_met',
    help: 'Enrollments ended because their record met the workflow goal (settings.goal), by workflow id.',
    labelNames: ['workflow_id'] as const,
    registers: [registry],
    async collect() {
      await readInto(this, async () =>
        (await reading()).goalsMet.map((row) => [{ workflow_id: row.workflow_id }, Number(row.count)]),
      );
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
  router.get('/metrics', async (req, res) => {
    if (deps.token && !bearerMatches(req.get('authorization'), deps.token)) {
      throw new HttpProblem(401, 'Unauthorized', 'Send Authorization: Bearer <METRICS_TOKEN> to read the metrics.');
    }
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

/** Whether an Authorization header carries `Bearer <token>`, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const sent = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(sent), digest(token));
}
