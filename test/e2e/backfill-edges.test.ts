import { automationWorkflowId } from '../../src/domain';
import { BACKFILL_CAUSE, type BackfillProgress } from '../../src/domain/backfill';
import { DELIVERY_LOCK } from '../../src/db/outbox';
import { createDealPipeline, createRecord, createWorkflow, moveRecord, waitForTimeline } from '../support/fixtures';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

/**
 * The backfill (`enable { enrollExisting: true }`) where something changes under it: the shard count, its automation
 * workflow's run, a stage entry still in the outbox when it is asked for.
 */
describe('a backfill through changes around it', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  const qualifyWorkflow = (pipelineId: string, extra: Record<string, unknown> = {}) =>
    createWorkflow(stack, {
      pipelineId,
      name: 'Qualified',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'flag', type: 'set_property', config: { property: 'seen', value: 'yes' } }],
      ...extra,
    });

  /** `count` deal records written straight into stage `qualified` (no stage entry of their own), in id order. */
  async function insertQualified(pipelineId: string, count: number): Promise<string[]> {
    const { rows } = await stack.pool.query<{ id: string }>(
      `INSERT INTO records (id, object_type, pipeline_id, stage_id)
       SELECT $1 || '-' || lpad(n::text, 5, '0'), 'deal', $2, 'qualified' FROM generate_series(1, $3) AS n
       RETURNING id`,
      [unique('old'), pipelineId, count],
    );
    return rows.map((row) => row.id).sort();
  }

  const enableExisting = async (workflowId: string) =>
    expect((await stack.http.post(`/api/workflows/${workflowId}/enable`).send({ enrollExisting: true })).status).toBe(
      200,
    );

  async function backfillOf(workflowId: string): Promise<BackfillProgress | undefined> {
    const res = await stack.http.get(`/api/workflows/${workflowId}`);
    expect(res.status).toBe(200);
    return res.body.backfill as BackfillProgress | undefined;
  }

  const backfillDone = (workflowId: string) =>
    eventually(
      async () => {
        const backfill = await backfillOf(workflowId);
        return backfill?.status === 'done' ? backfill : undefined;
      },
      150_000,
      `the backfill of ${workflowId} to be done`,
    );

  /** Enrollments per record in the workflow, once every one of `count` records' enrollments has completed. */
  const completedEnrollments = (workflowId: string, count: number) =>
    eventually(
      async () => {
        const { rows } = await stack.pool.query<{ record_id: string; n: number; event_ids: string[] }>(
          `SELECT record_id, count(*)::int AS n, array_agg(event_id) AS event_ids FROM enrollments
           WHERE workflow_id = $1 GROUP BY record_id HAVING bool_and(status = 'completed')`,
          [workflowId],
        );
        return rows.length === count ? new Map(rows.map((row) => [row.record_id, row])) : undefined;
      },
      150_000,
      `${count} records' enrollments in ${workflowId} to complete`,
    );

  /** The decision lines of the workflow, by text, with how many records each was written for and how many times. */
  async function decisionLines(workflowId: string): Promise<Map<string, { lines: number; records: number }>> {
    const { rows } = await stack.pool.query<{ detail: string; lines: number; records: number }>(
      `SELECT detail, count(*)::int AS lines, count(DISTINCT record_id)::int AS records FROM timeline
       WHERE workflow_id = $1 AND kind IN ('enrolled', 'not_enrolled') GROUP BY detail`,
      [workflowId],
    );
    return new Map(rows.map(({ detail, lines, records }) => [detail, { lines, records }]));
  }

  const statusOf = async (id: string) => (await stack.temporal.workflow.getHandle(id).describe()).status.name as string;

  it('finishes, each record decided once, when the shard count changes while it runs', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId, { settings: { shards: 4 } });
    const old = await insertQualified(pipelineId, 400);

    // Asked for over 4 shards; before any shard has worked a page, 4 become 2, then 3: the backfill's parts 2 and 3
    // have lost their shard, and part 3 moves again.
    await stack.worker!.stop();
    await enableExisting(workflowId);
    for (const shards of [2, 3]) {
      const res = await stack.http.patch(`/api/workflows/${workflowId}`).send({ settings: { shards } });
      expect(res.status).toBe(200);
    }
    expect(await backfillOf(workflowId)).toEqual({ status: 'running', enrolled: 0, skipped: 0, total: 400 });
    await stack.startWorker();

    expect(await backfillDone(workflowId)).toEqual({ status: 'done', enrolled: 400, skipped: 0, total: 400 });
    const enrollments = await completedEnrollments(workflowId, 400);
    for (const recordId of old) expect(enrollments.get(recordId)?.n).toBe(1);
    expect(await decisionLines(workflowId)).toEqual(
      new Map([[`enrolled (${BACKFILL_CAUSE})`, { lines: 400, records: 400 }]]),
    );
    const { rows } = await stack.pool.query<{ shard: number; done: boolean }>(
      `SELECT s.shard, s.done FROM backfill_shards s JOIN backfills b ON b.id = s.backfill_id
       WHERE b.workflow_id = $1 ORDER BY s.shard`,
      [workflowId],
    );
    expect(rows).toEqual([0, 1, 2, 3].map((shard) => ({ shard, done: true })));
    // The shard no longer used has ended; the three in use run on.
    await eventually(async () => (await statusOf(automationWorkflowId(workflowId, 3))) === 'COMPLETED' || undefined);
    for (const shard of [0, 1, 2]) expect(await statusOf(automationWorkflowId(workflowId, shard))).toBe('RUNNING');
  }, 300_000);

  it('goes on by itself after its automation workflow is terminated mid-backfill, enrolling nobody twice', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId);
    const old = await insertQualified(pipelineId, 500);

    // The second page commits, then its activity is held: the run is terminated before it hears the answer.
    let pages = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reachedHold!: () => void;
    const holding = new Promise<void>((resolve) => (reachedHold = resolve));
    await stack.worker!.stop();
    await stack.startWorker((activities) => ({
      ...activities,
      async enrollExistingPage(input: Parameters<typeof activities.enrollExistingPage>[0]) {
        const page = await activities.enrollExistingPage(input);
        if (input.cursor.backfillId !== undefined && ++pages === 2) {
          reachedHold();
          await held;
        }
        return page;
      },
    }));

    await enableExisting(workflowId);
    await holding;
    const handle = stack.temporal.workflow.getHandle(automationWorkflowId(workflowId, 0));
    const terminatedRun = (await handle.describe()).runId;
    await handle.terminate('test: the automation workflow ends mid-backfill');
    release();
    const partway = await backfillOf(workflowId);
    expect(partway).toEqual(expect.objectContaining({ status: 'running', total: 500 }));
    expect(partway!.enrolled).toBeGreaterThan(0);
    expect(partway!.enrolled).toBeLessThan(500);

    // Nobody toggles anything: the relay finds the shard gone and starts it again.
    expect(await backfillDone(workflowId)).toEqual({ status: 'done', enrolled: 500, skipped: 0, total: 500 });
    const enrollments = await completedEnrollments(workflowId, 500);
    for (const recordId of old) expect(enrollments.get(recordId)?.n).toBe(1);
    expect(await decisionLines(workflowId)).toEqual(
      new Map([[`enrolled (${BACKFILL_CAUSE})`, { lines: 500, records: 500 }]]),
    );
    const now = await handle.describe();
    expect(now.status.name).toBe('RUNNING');
    expect(now.runId).not.toBe(terminatedRun);
  }, 300_000);

  it('leaves a stage entry still in the outbox when enabled to its own event, with re-enrollment on', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId, { enrollment: { reenroll: true } });
    const old = await insertQualified(pipelineId, 30);
    // Entered while the workflow was off, delivered then ("the workflow is off"): the backfill's to enroll.
    const before = await createRecord(stack, { pipelineId, stageId: 'new' });
    await moveRecord(stack, before, 'qualified');
    await waitForTimeline(stack, before, 'not_enrolled', workflowId);
    const pending = await createRecord(stack, { pipelineId, stageId: 'new' });

    // The live batch with `pending`'s entry is held until the backfill is done, so that the backfill's pages come
    // first: the only thing that keeps them off `pending` is that its entry is left to its own event.
    let releaseLive!: () => void;
    const liveHeld = new Promise<void>((resolve) => (releaseLive = resolve));
    await stack.worker!.stop();
    await stack.startWorker((activities) => ({
      ...activities,
      async startEnrollments(input: Parameters<typeof activities.startEnrollments>[0]) {
        if (input.events.some((event) => event.recordId === pending)) await liveHeld;
        return activities.startEnrollments(input);
      },
    }));

    // The relay held (its delivery lock taken): the entry is written, then the workflow enabled, then both delivered.
    const relayLock = await stack.pool.connect();
    try {
      await relayLock.query('SELECT pg_advisory_lock($1)', [DELIVERY_LOCK]);
      await moveRecord(stack, pending, 'qualified');
      await enableExisting(workflowId);
      const { rows } = await stack.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox WHERE record_id = $1 AND delivered_at IS NULL`,
        [pending],
      );
      expect(rows[0]!.n).toBe(1);
    } finally {
      await relayLock.query('SELECT pg_advisory_unlock($1)', [DELIVERY_LOCK]);
      relayLock.release();
    }

    expect(await backfillDone(workflowId)).toEqual({ status: 'done', enrolled: 31, skipped: 0, total: 31 });
    releaseLive();
    const enrollments = await completedEnrollments(workflowId, 32);
    for (const recordId of [...old, before]) {
      expect(enrollments.get(recordId)?.event_ids).toEqual([expect.stringMatching(/^backfill\//)]);
    }
    expect(enrollments.get(pending)?.event_ids).toEqual([expect.not.stringMatching(/^backfill\//)]);
    const lines = await waitForTimeline(stack, pending, 'enrollment_completed', workflowId);
    expect(lines.filter((line) => line.kind === 'enrolled').map((line) => line.detail)).toEqual(['enrolled']);
    expect(await decisionLines(workflowId)).toEqual(
      new Map([
        ['not enrolled: the workflow is off', { lines: 1, records: 1 }],
        [`enrolled (${BACKFILL_CAUSE})`, { lines: 31, records: 31 }],
        ['enrolled', { lines: 1, records: 1 }],
      ]),
    );
  }, 300_000);
});
