import { ISSUE_GROUPS_LIMIT, listWorkflowIssues } from '../../src/db/issues';
import { migrate } from '../../src/db/migrate';
import { createPool, inTransaction, type Pool } from '../../src/db/pool';
import { appendTimeline, appendTimelineLines, type TimelineEntry } from '../../src/db/timeline';
import { createTestDatabase, databaseBefore, unique } from '../support/stack';

const failed = (workflowId: string, recordId: string, detail: string, dedupeKey?: string): TimelineEntry => ({
  recordId,
  kind: 'action_failed',
  workflowId,
  enrollmentId: `en-${recordId}`,
  actionId: 'hook',
  detail,
  dedupeKey,
});

describe('workflow issues, kept up to date by the timeline writers', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = createPool(await createTestDatabase(), () => undefined);
  });
  afterAll(async () => {
    await pool.end();
  });

  it('counts each line written once: a repeated dedupe key, other kinds and lines of no workflow are left out', async () => {
    const workflowId = unique('wf');
    const key = unique('key');
    expect(
      await appendTimeline(pool, failed(workflowId, 'rec-1', 'webhook failed: POST https://h.example/a → 404', key)),
    ).toBe(true);
    expect(
      await appendTimeline(pool, failed(workflowId, 'rec-1', 'webhook failed: POST https://h.example/a → 404', key)),
    ).toBe(false);
    await appendTimelineLines(pool, [
      failed(workflowId, 'rec-2', 'webhook failed: POST https://h.example/b → 404', unique('key')),
      failed(workflowId, 'rec-3', 'webhook failed: POST https://h.example/c → 404', key),
      {
        recordId: 'rec-4',
        kind: 'action_completed',
        workflowId,
        actionId: 'hook',
        detail: 'POST https://h.example/d → 200',
      },
      { recordId: 'rec-5', kind: 'not_enrolled', workflowId, detail: 'not enrolled: the workflow is off' },
      { recordId: 'rec-6', kind: 'action_skipped', detail: 'a line of no workflow' },
    ]);

    const items = await listWorkflowIssues(pool, workflowId);
    expect(items).toEqual([
      {
        kind: 'not_enrolled',
        reason: 'not enrolled: the workflow is off',
        count: 1,
        firstAt: expect.any(String),
        lastAt: expect.any(String),
        sampleRecordIds: ['rec-5'],
      },
      {
        actionId: 'hook',
        kind: 'action_failed',
        reason: 'webhook failed: POST https://h.example/… → 404',
        count: 2,
        firstAt: expect.any(String),
        lastAt: expect.any(String),
        sampleRecordIds: ['rec-2', 'rec-1'],
      },
    ]);
    expect(items[1]!.firstAt < items[1]!.lastAt).toBe(true);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM timeline WHERE record_id = $1', ['rec-3']);
    expect(rows[0].n).toBe(0);
  });

  it('adds later lines to the groups without counting a line twice, keeping the 5 latest distinct records', async () => {
    const workflowId = unique('wf');
    const detail = 'send_email failed: 550 <ann@example.com>: mailbox unavailable';
    for (const recordId of ['r1', 'r2', 'r1', 'r3']) await appendTimeline(pool, failed(workflowId, recordId, detail));
    const first = await listWorkflowIssues(pool, workflowId);
    expect(first).toMatchObject([{ count: 4, sampleRecordIds: ['r3', 'r1', 'r2'] }]);
    expect(await listWorkflowIssues(pool, workflowId)).toEqual(first);

    const other = 'send_email failed: 550 <bob@example.com>: mailbox unavailable';
    for (const recordId of ['r4', 'r5', 'r6', 'r2']) await appendTimeline(pool, failed(workflowId, recordId, other));
    const [group] = await listWorkflowIssues(pool, workflowId);
    expect(group).toMatchObject({
      reason: 'send_email failed: 550 <<email>>: mailbox unavailable',
      count: 8,
      firstAt: first[0]!.firstAt,
      sampleRecordIds: ['r2', 'r6', 'r5', 'r4', 'r3'],
    });
    expect(group!.lastAt > first[0]!.lastAt).toBe(true);
  });

  it('counts every line exactly once while writers and readers run at the same time', async () => {
    const workflowId = unique('wf');
    const writers = 6;
    const linesEach = 40;
    let writing = true;
    const readers = Array.from({ length: 3 }, async () => {
      while (writing) await listWorkflowIssues(pool, workflowId);
    });
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let line = 0; line < linesEach; line += 1) {
          // In a transaction with other work, as the activities write them: no writer waits for another.
          await inTransaction(pool, async (db) => {
            await appendTimeline(
              db,
              failed(workflowId, `rec-${writer}-${line}`, 'webhook failed: POST https://h.example/x → 410'),
            );
            await db.query('SELECT pg_sleep(0.002)');
          });
        }
      }),
    );
    writing = false;
    await Promise.all(readers);
    const items = await listWorkflowIssues(pool, workflowId);
    expect(items).toMatchObject([{ count: writers * linesEach }]);
    expect(new Set(items[0]!.sampleRecordIds).size).toBe(5);
  });

  it(`lists the ${ISSUE_GROUPS_LIMIT} groups with the most recent lines`, async () => {
    const workflowId = unique('wf');
    const reasons = Array.from({ length: ISSUE_GROUPS_LIMIT + 20 }, (_, index) => `delay skipped: reason ${index}`);
    await appendTimelineLines(
      pool,
      reasons.map((detail, index) => ({
        recordId: `rec-${index}`,
        kind: 'action_skipped',
        workflowId,
        actionId: 'wait',
        detail,
      })),
    );
    const items = await listWorkflowIssues(pool, workflowId);
    expect(items).toHaveLength(ISSUE_GROUPS_LIMIT);
    expect(items[0]!.reason).toBe(reasons.at(-1));
    expect(items.map((item) => item.lastAt)).toEqual(
      items
        .map((item) => item.lastAt)
        .sort()
        .reverse(),
    );
  });
});

describe('migration 011 (issues)', () => {
  it('counts the failures, skips and refusals written before it, grouped by their detail as written', async () => {
    const pool = await databaseBefore('011');
    try {
      await pool.query(`INSERT INTO timeline (record_id, kind, workflow_id, action_id, detail) VALUES
        ('rec-1', 'action_failed', 'wf-old', 'hook', 'webhook failed: POST https://h.example/rec-1 → 404'),
        ('rec-2', 'action_failed', 'wf-old', 'hook', 'webhook failed: POST https://h.example/rec-1 → 404'),
        ('rec-2', 'action_completed', 'wf-old', 'task', 'created task'),
        ('rec-3', 'not_enrolled', 'wf-old', NULL, 'not enrolled: the workflow is off')`);

      expect(await migrate(pool)).toContain('011_issues.sql');

      expect(await listWorkflowIssues(pool, 'wf-old')).toMatchObject([
        { kind: 'not_enrolled', reason: 'not enrolled: the workflow is off', count: 1, sampleRecordIds: ['rec-3'] },
        {
          actionId: 'hook',
          kind: 'action_failed',
          reason: 'webhook failed: POST https://h.example/rec-1 → 404',
          count: 2,
          sampleRecordIds: ['rec-2', 'rec-1'],
        },
      ]);
    } finally {
      await pool.end();
    }
  });
});
