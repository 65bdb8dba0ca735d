import express, { type ErrorRequestHandler, type Express, Router } from 'express';
import supertest from 'supertest';
import { createMetrics, OVERDUE_GRACE_SECONDS } from '../../src/api/metrics';
import { createPool, type Pool } from '../../src/db/pool';
import { createTestDatabase } from '../support/stack';

/** A small app with the metrics mounted as app.ts mounts them: middleware first, then the routers. */
function appWithMetrics(pool: Pool, maxAgeMs?: number): Express {
  const metrics = createMetrics({ pool, maxAgeMs });
  const api = Router();
  api.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  api.get('/broken/:id', () => {
    throw new Error('broken on purpose');
  });
  const answer500: ErrorRequestHandler = (_error, _req, res, _next) => {
    res.status(500).json({ title: 'Internal Server Error' });
  };

  const app = express();
  app.use(metrics.middleware);
  app.use(metrics.router);
  app.use('/api', api);
  app.use(answer500);
  return app;
}

const ignoreIdleError = () => undefined;

/** The value of the one sample line `series` (name and labels, exactly as exposed), or undefined when absent. */
function sample(body: string, series: string): string | undefined {
  return body
    .split('\n')
    .find((line) => line.startsWith(`${series} `))
    ?.slice(series.length + 1);
}

const nestedActions = [
  {
    id: 'act-task',
    type: 'create_task',
    config: { title: 'Call the customer' },
    // A comment whose id equals a nested action's: the type lookup must not stop at it.
    comments: [{ id: 'act-mail', by: 'admin', at: '2025-01-01T00:00:00Z', body: 'see the email below' }],
  },
  {
    id: 'act-branch',
    type: 'branch_if',
    config: {
      conditions: { all: [] },
      then: [
        {
          id: 'act-value',
          type: 'branch_value',
          config: {
            property: 'tier',
            cases: [
              {
                values: ['gold'],
                actions: [
                  { id: 'act-mail', type: 'send_email', config: { template: { id: 'welcome' } }, comments: [] },
                ],
              },
            ],
            default: [],
          },
          comments: [],
        },
      ],
      else: [],
    },
    comments: [],
  },
];

async function seed(pool: Pool): Promise<void> {
  await pool.query(`INSERT INTO pipelines (id, object_type, label, stages) VALUES ('deals', 'deal', 'Deals', '[]')`);
  await pool.query(
    `INSERT INTO workflows (id, pipeline_id, name, trigger, enrollment, settings, actions)
     VALUES ('wf-nested', 'deals', 'Nested', '{}', '{}', '{}', $1)`,
    [JSON.stringify(nestedActions)],
  );
  await pool.query(
    `INSERT INTO outbox (event_id, type, record_id, payload, created_at, delivered_at) VALUES
       ('ev-1', 'stage_entered', 'rec-1', '{}', now() - interval '5 minutes', now() - interval '4 minutes'),
       ('ev-2', 'stage_entered', 'rec-1', '{}', now() - interval '3 minutes', now() - interval '3 minutes'),
       ('ev-3', 'stage_entered', 'rec-2', '{}', now() - interval '90 seconds', NULL),
       ('ev-4', 'ticket_email', 'rec-3', '{}', now() - interval '2 minutes', now() - interval '2 minutes'),
       ('ev-5', 'ticket_email', 'rec-3', '{}', now() - interval '10 seconds', NULL)`,
  );
  await pool.query(
    // en-2 should have woken 5 minutes ago (overdue), en-3 10 seconds ago (within the grace period); en-4 woke up
    // long ago and has ended since.
    `INSERT INTO enrollments (id, workflow_id, record_id, event_id, status, wake_at) VALUES
       ('en-1', 'wf-nested', 'rec-1', 'ev-1', 'running', NULL),
       ('en-2', 'wf-nested', 'rec-2', 'ev-3', 'waiting', now() - interval '5 minutes'),
       ('en-3', 'wf-nested', 'rec-3', 'ev-4', 'waiting', now() - interval '10 seconds'),
       ('en-4', 'wf-nested', 'rec-4', 'ev-x', 'completed', now() - interval '1 hour'),
       ('en-5', 'wf-nested', 'rec-5', 'ev-x', 'completed', NULL),
       ('en-6', 'wf-nested', 'rec-6', 'ev-x', 'completed', NULL),
       ('en-7', 'wf-nested', 'rec-7', 'ev-x', 'failed', NULL)`,
  );
  await pool.query(
    `INSERT INTO timeline (record_id, kind, workflow_id, enrollment_id, action_id, detail) VALUES
       ('rec-1', 'stage_entered', NULL, NULL, NULL, 'entered stage "new"'),
       ('rec-1', 'action_completed', 'wf-nested', 'en-1', 'act-task', 'created task'),
       ('rec-2', 'action_completed', 'wf-nested', 'en-2', 'act-task', 'created task'),
       ('rec-1', 'action_completed', 'wf-nested', 'en-1', 'act-mail', 'sent'),
       ('rec-2', 'action_skipped', 'wf-nested', 'en-2', 'act-mail', 'no contacts'),
       ('rec-4', 'action_failed', 'wf-nested', 'en-4', 'act-removed', 'action since deleted'),
       ('rec-5', 'action_failed', 'wf-deleted', 'en-5', 'act-hook', 'workflow since deleted')`,
  );
}

describe('GET /metrics', () => {
  let pool: Pool;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    pool = createPool(databaseUrl, ignoreIdleError);
    await seed(pool);
  });
  afterAll(async () => {
    await pool.end();
  });

  it('exposes events, relay lag, enrollments and actions read from PostgreSQL, and HTTP latency by route', async () => {
    const http = supertest(appWithMetrics(pool));
    expect((await http.get('/api/things/1')).status).toBe(200);
    expect((await http.get('/api/things/2')).status).toBe(200);
    expect((await http.get('/api/broken/3')).status).toBe(500);
    expect((await http.get('/nowhere/4')).status).toBe(404);

    const response = await http.get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = response.text;

    expect(sample(body, 'pipewright_events_ingested{type="stage_entered"}')).toBe('3');
    expect(sample(body, 'pipewright_events_ingested{type="ticket_email"}')).toBe('2');
    expect(sample(body, 'pipewright_events_pending')).toBe('2');
    const lag = Number(sample(body, 'pipewright_relay_lag_seconds'));
    expect(lag).toBeGreaterThanOrEqual(90);
    expect(lag).toBeLessThan(600);

    expect(sample(body, 'pipewright_enrollments_started')).toBe('7');
    expect(sample(body, 'pipewright_enrollments{status="running"}')).toBe('1');
    expect(sample(body, 'pipewright_enrollments{status="waiting"}')).toBe('2');
    expect(sample(body, 'pipewright_enrollments{status="completed"}')).toBe('3');
    expect(sample(body, 'pipewright_enrollments{status="cancelled"}')).toBe('0');
    expect(sample(body, 'pipewright_enrollments{status="failed"}')).toBe('1');
    expect(sample(body, 'pipewright_enrollments_overdue')).toBe('1');

    expect(sample(body, 'pipewright_actions{type="create_task",outcome="completed"}')).toBe('2');
    expect(sample(body, 'pipewright_actions{type="send_email",outcome="completed"}')).toBe('1');
    expect(sample(body, 'pipewright_actions{type="send_email",outcome="skipped"}')).toBe('1');
    expect(sample(body, 'pipewright_actions{type="unknown",outcome="failed"}')).toBe('2');
    expect(body.match(/^pipewright_actions\{/gm)).toHaveLength(4);

    const count = 'pipewright_http_request_duration_seconds_count';
    expect(sample(body, `${count}{method="GET",route="/api/things/:id",status_code="200"}`)).toBe('2');
    expect(sample(body, `${count}{method="GET",route="/api/broken/:id",status_code="500"}`)).toBe('1');
    expect(sample(body, `${count}{method="GET",route="unmatched",status_code="404"}`)).toBe('1');
    expect(body).not.toMatch(/route="\/api\/things\/\d/);
    expect(sample(body, 'process_cpu_user_seconds_total')).toBeDefined();
  });

  it('reads the database once per interval, however often it is scraped', async () => {
    const cached = supertest(appWithMetrics(pool));
    const fresh = supertest(appWithMetrics(pool, 0));
    const started = async (http: ReturnType<typeof supertest>) =>
      Number(sample((await http.get('/metrics')).text, 'pipewright_enrollments_started'));
    const before = await started(cached);
    expect(await started(fresh)).toBe(before);
    await pool.query(
      `INSERT INTO enrollments (id, workflow_id, record_id, event_id, status) VALUES ('en-8', 'wf-nested', 'rec-8', 'ev-x', 'completed')`,
    );
    const scrapes = await Promise.all(Array.from({ length: 5 }, () => started(cached)));
    expect(scrapes).toEqual([before, before, before, before, before]);
    expect(await started(fresh)).toBe(before + 1);
    await pool.query(`DELETE FROM enrollments WHERE id = 'en-8'`);
  });

  it(`counts a waiting enrollment as overdue once its wake-up time is over ${OVERDUE_GRACE_SECONDS} s past`, async () => {
    const fresh = supertest(appWithMetrics(pool, 0));
    const overdue = async () => Number(sample((await fresh.get('/metrics')).text, 'pipewright_enrollments_overdue'));
    const before = await overdue();
    await pool.query(
      `INSERT INTO enrollments (id, workflow_id, record_id, event_id, status, wake_at)
       VALUES ('en-9', 'wf-nested', 'rec-9', 'ev-x', 'waiting', now() - make_interval(secs => $1 - 5))`,
      [OVERDUE_GRACE_SECONDS],
    );
    try {
      expect(await overdue()).toBe(before);
      await pool.query(`UPDATE enrollments SET wake_at = now() - make_interval(secs => $1 + 5) WHERE id = 'en-9'`, [
        OVERDUE_GRACE_SECONDS,
      ]);
      expect(await overdue()).toBe(before + 1);
      // Woken: a worker took it up and runs its next action.
      await pool.query(`UPDATE enrollments SET status = 'running', wake_at = NULL WHERE id = 'en-9'`);
      expect(await overdue()).toBe(before);
    } finally {
      await pool.query(`DELETE FROM enrollments WHERE id = 'en-9'`);
    }
  });

  it('counts the enrollments that ended on their goal, per workflow, from the timeline', async () => {
    const fresh = supertest(appWithMetrics(pool, 0));
    const goalsMet = async () => (await fresh.get('/metrics')).text;
    expect((await goalsMet()).match(/^pipewright_goals_met\{/gm)).toBeNull();
    await pool.query(
      `INSERT INTO timeline (record_id, kind, workflow_id, enrollment_id, detail) VALUES
         ('rec-g1', 'unenrolled', 'wf-goal', 'en-g1', 'unenrolled: goal met'),
         ('rec-g2', 'unenrolled', 'wf-goal', 'en-g2', 'unenrolled: goal met'),
         ('rec-g3', 'unenrolled', 'wf-nested', 'en-g3', 'unenrolled: goal met'),
         ('rec-g4', 'unenrolled', 'wf-nested', 'en-g4', 'unenrolled: the record left stage "new" (moved to "won")'),
         ('rec-g5', 'enrollment_completed', 'wf-nested', 'en-g5', 'enrollment completed')`,
    );
    try {
      const body = await goalsMet();
      expect(sample(body, 'pipewright_goals_met{workflow_id="wf-goal"}')).toBe('2');
      expect(sample(body, 'pipewright_goals_met{workflow_id="wf-nested"}')).toBe('1');
      expect(body.match(/^pipewright_goals_met\{/gm)).toHaveLength(2);
    } finally {
      await pool.query(`DELETE FROM timeline WHERE record_id LIKE 'rec-g%'`);
    }
  });

  it('reports zeros and no labelled series on an empty database', async () => {
    const emptyPool = createPool(await createTestDatabase(), ignoreIdleError);
    try {
      const body = (await supertest(appWithMetrics(emptyPool)).get('/metrics')).text;
      expect(sample(body, 'pipewright_events_pending')).toBe('0');
      expect(sample(body, 'pipewright_relay_lag_seconds')).toBe('0');
      expect(sample(body, 'pipewright_enrollments_started')).toBe('0');
      expect(sample(body, 'pipewright_enrollments{status="waiting"}')).toBe('0');
      expect(sample(body, 'pipewright_enrollments_overdue')).toBe('0');
      expect(body).not.toMatch(/^pipewright_events_ingested\{/m);
      expect(body).not.toMatch(/^pipewright_actions\{/m);
    } finally {
      await emptyPool.end();
    }
  });

  it('still answers 200 with process and HTTP metrics when PostgreSQL cannot be queried, leaving out its gauges', async () => {
    const endedPool = createPool(databaseUrl, ignoreIdleError);
    await endedPool.end();
    const http = supertest(appWithMetrics(endedPool));
    expect((await http.get('/api/things/9')).status).toBe(200);

    const response = await http.get('/metrics');
    expect(response.status).toBe(200);
    const body = response.text;
    expect(body).toContain('# TYPE pipewright_enrollments gauge');
    for (const gauge of [
      'pipewright_events_ingested',
      'pipewright_events_pending',
      'pipewright_relay_lag_seconds',
      'pipewright_enrollments_started',
      'pipewright_enrollments',
      'pipewright_enrollments_overdue',
      'pipewright_actions',
    ]) {
      expect(body).not.toMatch(new RegExp(`^${gauge}[{ ]`, 'm'));
    }
    // Its own registry: only this app's request, none of the first test's.
    expect(
      sample(
        body,
        'pipewright_http_request_duration_seconds_count{method="GET",route="/api/things/:id",status_code="200"}',
      ),
    ).toBe('1');
    expect(sample(body, 'process_cpu_user_seconds_total')).toBeDefined();
  });
});
