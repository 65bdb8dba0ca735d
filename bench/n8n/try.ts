import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '../../src/db/migrate';
import { createPool, type Pool } from '../../src/db/pool';
import { startEmbeddedPostgres } from '../../src/embedded/postgres';
import { freePort } from '../../src/net';
import { ensureN8n, startN8n, type N8nProcess } from './n8n';

const CONCURRENCY = 8;
const LOAD_EVENTS = 200;
const KILL_EVENTS = 400;
const KILL_AFTER_ACKS = 100;

/**
 * `npx tsx bench/n8n/try.ts`: checks the n8n side end to end against embedded PostgreSQL: a few events land as
 * task rows and a property, 200 events at concurrency 8 give a rate, and a SIGKILL mid-load counts the events
 * n8n acknowledged but never wrote.
 */
async function main(): Promise<void> {
  const say = (line: string) => console.log(line);
  const bin = await ensureN8n(say);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pipewright-n8n-try-'));
  await chmod(dir, 0o755);
  const db = await startEmbeddedPostgres({ dir: path.join(dir, 'postgres'), port: await freePort() });
  const pool = createPool(db.url, (error) => {
    // pool.end() does not wait for its sockets to close, so PostgreSQL's shutdown can still reach one (57P01).
    if ((error as Error & { code?: string }).code !== '57P01') console.error('idle PostgreSQL client failed:', error);
  });
  try {
    await migrate(pool);
    await pool.query(
      `INSERT INTO pipelines (id, object_type, label, stages) VALUES ('pl_n8n', 'deal', 'n8n try', '[{"id":"new","label":"New"}]')`,
    );
    const n8n = await startN8n({ bin, databaseUrl: db.url, port: await freePort(), dataDir: dir, say });
    try {
      await checkFewEvents(n8n, pool);
      await measureRate(n8n, pool);
      await killMidLoad(n8n, pool);
    } finally {
      await n8n.stop();
    }
  } finally {
    await pool.end();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkFewEvents(n8n: N8nProcess, pool: Pool): Promise<void> {
  const ids = await seedRecords(pool, 'few', 3);
  for (const id of ids) await postEvent(n8n.webhookUrl, id);
  await postEvent(n8n.webhookUrl, ids[0] ?? ''); // a duplicate: no second task, one more property write
  await waitForExecutions(pool, ids, 30_000, ids.length + 1);
  const { rows } = await pool.query<{ tasks: number; touched: string | null; version: number }>(
    `SELECT (SELECT count(*)::int FROM tasks t WHERE t.record_id = r.id) AS tasks,
            r.properties->>'n8n_touched' AS touched, r.version
       FROM records r WHERE r.id = ANY($1) ORDER BY r.id`,
    [ids],
  );
  const seen = rows.map((row) => `${row.tasks} task, n8n_touched=${row.touched}, version ${row.version}`);
  console.log(`few events (the first sent twice): ${seen.join('; ')}`);
  const expected = ['1 task, n8n_touched=yes, version 3', '1 task, n8n_touched=yes, version 2'];
  if (seen.some((line, index) => line !== expected[Math.min(index, 1)])) {
    throw new Error('n8n did not write the expected task rows and property');
  }
}

async function measureRate(n8n: N8nProcess, pool: Pool): Promise<void> {
  const ids = await seedRecords(pool, 'load', LOAD_EVENTS);
  const started = performance.now();
  await forEachConcurrently(ids, CONCURRENCY, (id) => postEvent(n8n.webhookUrl, id));
  const acked = performance.now();
  await waitForExecutions(pool, ids, 120_000);
  const done = performance.now();
  console.log(
    `load: ${LOAD_EVENTS} events at concurrency ${CONCURRENCY}: acknowledged at ` +
      `${((LOAD_EVENTS / (acked - started)) * 1000).toFixed(1)}/s, executed at ${((LOAD_EVENTS / (done - started)) * 1000).toFixed(1)}/s`,
  );
}

async function killMidLoad(n8n: N8nProcess, pool: Pool): Promise<void> {
  const ids = await seedRecords(pool, 'kill', KILL_EVENTS);
  const acknowledged: string[] = [];
  let killed: Promise<void> | undefined;
  await forEachConcurrently(ids, CONCURRENCY, async (id) => {
    if (killed) return;
    const ok = await postEvent(n8n.webhookUrl, id).then(
      () => true,
      () => false,
    );
    if (ok) acknowledged.push(id);
    if (acknowledged.length >= KILL_AFTER_ACKS && !killed) killed = n8n.kill();
  });
  await killed;
  const outcome = async () => {
    const { rows } = await pool.query<{ task: boolean; touched: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM tasks t WHERE t.record_id = r.id) AS task, r.properties ? 'n8n_touched' AS touched
         FROM records r WHERE r.id = ANY($1)`,
      [acknowledged],
    );
    return {
      lost: rows.filter((row) => !row.task).length,
      halfDone: rows.filter((row) => row.task && !row.touched).length,
    };
  };
  const atKill = await outcome();
  console.log(
    `kill: SIGKILL after ${acknowledged.length} acknowledged events, ${acknowledged.length - atKill.lost} of them ` +
      `with their task row; restarting n8n…`,
  );
  await n8n.restart();
  // n8n re-runs the executions it had saved as enqueued: wait until the outcome stops changing for 5 s.
  let last = atKill;
  let stableSince = Date.now();
  const deadline = Date.now() + 60_000;
  while (Date.now() - stableSince < 5000) {
    if (Date.now() > deadline) throw new Error('the outcome after the restart did not settle within 60 s');
    await sleep(500);
    const now = await outcome();
    if (now.lost !== last.lost || now.halfDone !== last.halfDone) {
      last = now;
      stableSince = Date.now();
    }
  }
  console.log(
    `kill: ${last.lost} of ${acknowledged.length} acknowledged events never got their task row; ` +
      `${last.halfDone} got the task but not the property`,
  );
}

/** One record per event, so that each event's outcome can be told apart; the event id is the record id. */
async function seedRecords(pool: Pool, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}_${index}`);
  await pool.query(
    `INSERT INTO records (id, object_type, pipeline_id, stage_id) SELECT unnest($1::text[]), 'deal', 'pl_n8n', 'new'`,
    [ids],
  );
  return ids;
}

async function postEvent(webhookUrl: string, id: string): Promise<void> {
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ eventId: id, recordId: id }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
}

/**
 * Waits until every record has its task row and `propertyWrites` property writes in all (one per event unless
 * told otherwise), i.e. both Postgres nodes ran for every event.
 */
async function waitForExecutions(
  pool: Pool,
  recordIds: string[],
  timeoutMs: number,
  propertyWrites = recordIds.length,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ tasks: string; writes: string }>(
      `SELECT (SELECT count(*) FROM tasks WHERE record_id = ANY($1)) AS tasks,
              (SELECT coalesce(sum(version - 1), 0) FROM records WHERE id = ANY($1)) AS writes`,
      [recordIds],
    );
    const { tasks, writes } = rows[0] ?? { tasks: '0', writes: '0' };
    if (Number(tasks) >= recordIds.length && Number(writes) >= propertyWrites) return;
    if (Date.now() > deadline) {
      throw new Error(
        `after ${timeoutMs} ms: ${tasks} of ${recordIds.length} task rows, ${writes} of ${propertyWrites} property writes`,
      );
    }
    await sleep(100);
  }
}

async function forEachConcurrently<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
