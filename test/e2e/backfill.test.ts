import { automationWorkflowId, shardOf } from '../../src/domain';
import { BACKFILL_CAUSE, type BackfillProgress } from '../../src/domain/backfill';
import {
  createDealPipeline,
  createRecord,
  createTicketPipeline,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  waitForTimeline,
} from '../support/fixtures';
import {
  eventually,
  type OwnServerTestStack,
  startTestStack,
  startTestStackOnOwnServer,
  type TestStack,
  unique,
} from '../support/stack';

/**
 * `enable { enrollExisting: true }` on the real stack: the automation workflow of each shard pages through the
 * records already in the trigger stage and enrolls each once under the usual rules, with its progress in
 * `GET /api/workflows/:id`.
 */
describe('enrolling the records already in the trigger stage', () => {
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

  const enable = (workflowId: string, body?: Record<string, unknown>) => {
    const request = stack.http.post(`/api/workflows/${workflowId}/enable`);
    return body === undefined ? request : request.send(body);
  };

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
      90_000,
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
      120_000,
      `${count} records' enrollments in ${workflowId} to complete`,
    );

  async function decisionLines(workflowId: string): Promise<Map<string, number>> {
    const { rows } = await stack.pool.query<{ detail: string; n: number }>(
      `SELECT detail, count(*)::int AS n FROM timeline
       WHERE workflow_id = $1 AND kind IN ('enrolled', 'not_enrolled') GROUP BY detail`,
      [workflowId],
    );
    return new Map(rows.map((row) => [row.detail, row.n]));
  }

  it('enrolls each record in the stage once, skips those enrolled before, and reports running, then done', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId);
    // 20 records enrolled by their own entry while the workflow was on.
    await enableWorkflow(stack, workflowId);
    const before = await Promise.all(
      Array.from({ length: 20 }, () => createRecord(stack, { pipelineId, stageId: 'qualified' })),
    );
    await completedEnrollments(workflowId, 20);
    expect((await stack.http.post(`/api/workflows/${workflowId}/disable`).send({})).status).toBe(200);
    const old = await insertQualified(pipelineId, 280);

    // Without a worker the backfill cannot move: it shows as asked for, nothing done yet.
    await stack.worker!.stop();
    const res = await enable(workflowId, { enrollExisting: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ enabled: true });
    expect(await backfillOf(workflowId)).toEqual({ status: 'running', enrolled: 0, skipped: 0, total: 300 });
    await stack.startWorker();

    expect(await backfillDone(workflowId)).toEqual({ status: 'done', enrolled: 280, skipped: 20, total: 300 });
    const enrollments = await completedEnrollments(workflowId, 300);
    for (const recordId of [...before, ...old]) expect(enrollments.get(recordId)?.n).toBe(1);
    for (const recordId of old) {
      expect(enrollments.get(recordId)?.event_ids).toEqual([expect.stringMatching(/^backfill\/[^/]+\//)]);
    }
    expect(await decisionLines(workflowId)).toEqual(
      new Map([
        ['enrolled', 20],
        [`enrolled (${BACKFILL_CAUSE})`, 280],
        [`not enrolled (${BACKFILL_CAUSE}): the record was enrolled before and re-enrollment is off`, 20],
      ]),
    );
    const { rows } = await stack.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM records WHERE pipeline_id = $1 AND properties->>'seen' = 'yes'`,
      [pipelineId],
    );
    expect(rows[0]!.n).toBe(300);
    const revisions = await stack.http.get(`/api/workflows/${workflowId}/revisions`);
    expect(revisions.body.items.at(-1).change).toEqual({ type: 'enabled', enrollExisting: true });
  }, 180_000);

  it('splits the work over the shards and leaves a record that enters the stage meanwhile to its own entry', async () => {
    const pipelineId = await createDealPipeline(stack);
    // Re-enrollment on: only the backfill leaving the record alone keeps it from a second enrollment.
    const workflowId = await qualifyWorkflow(pipelineId, { settings: { shards: 2 }, enrollment: { reenroll: true } });
    const old = await insertQualified(pipelineId, 300);
    const live = await createRecord(stack, { pipelineId, stageId: 'new' });

    await stack.worker!.stop();
    expect((await enable(workflowId, { enrollExisting: true })).status).toBe(200);
    await moveRecord(stack, live, 'qualified');
    await stack.startWorker();

    expect(await backfillDone(workflowId)).toEqual({ status: 'done', enrolled: 300, skipped: 0, total: 300 });
    const enrollments = await completedEnrollments(workflowId, 301);
    for (const recordId of old) expect(enrollments.get(recordId)?.n).toBe(1);
    expect(enrollments.get(live)?.n).toBe(1);
    expect(enrollments.get(live)?.event_ids).toEqual([expect.not.stringMatching(/^backfill\//)]);
    const lines = await waitForTimeline(stack, live, 'enrollment_completed', workflowId);
    expect(lines.filter((line) => line.kind === 'enrolled').map((line) => line.detail)).toEqual(['enrolled']);

    // Each shard enrolled exactly the records of its shard.
    const { rows } = await stack.pool.query<{ shard: number; enrolled: number; done: boolean }>(
      `SELECT s.shard, s.enrolled, s.done FROM backfill_shards s JOIN backfills b ON b.id = s.backfill_id
       WHERE b.workflow_id = $1 ORDER BY s.shard`,
      [workflowId],
    );
    const ofShard = (shard: number) => old.filter((recordId) => shardOf(recordId, 2) === shard).length;
    expect(rows).toEqual([
      { shard: 0, enrolled: ofShard(0), done: true },
      { shard: 1, enrolled: ofShard(1), done: true },
    ]);
    expect(ofShard(0)).toBeGreaterThan(0);
    expect(ofShard(1)).toBeGreaterThan(0);
  }, 180_000);

  it('enrolls nobody already in the stage when enabled without enrollExisting', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId);
    const old = await insertQualified(pipelineId, 5);
    expect((await enable(workflowId)).status).toBe(200);
    const entered = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, entered, 'enrollment_completed', workflowId);

    const { rows } = await stack.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM timeline WHERE record_id = ANY($1::text[])',
      [old],
    );
    expect(rows[0]!.n).toBe(0);
    expect((await completedEnrollments(workflowId, 1)).has(entered)).toBe(true);
    expect(await backfillOf(workflowId)).toBeUndefined();
  });

  it('refuses a wrong body and enrollExisting on a trigger without a stage, naming the field', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId);
    for (const body of [{ enrollExisting: 'yes' }, { enrollExisting: null }, { enrollExisting: true, extra: 1 }]) {
      const res = await enable(workflowId, body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ path: body.enrollExisting === true ? 'body' : 'body.enrollExisting' }),
      ]);
    }

    const tickets = await createTicketPipeline(stack);
    const emailWorkflow = await createWorkflow(stack, {
      pipelineId: tickets,
      name: 'Replied',
      trigger: { type: 'ticket_email', on: 'customer_replied' },
      actions: [{ id: 'to-new', type: 'set_stage', config: { stageId: 'new' } }],
    });
    const refused = await enable(emailWorkflow, { enrollExisting: true });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'body.enrollExisting' })]);

    for (const id of [workflowId, emailWorkflow]) {
      const workflow = await stack.http.get(`/api/workflows/${id}`);
      expect(workflow.body).toEqual(expect.objectContaining({ enabled: false, version: 1 }));
      expect(workflow.body.backfill).toBeUndefined();
    }
  });

  it('resumes after its automation workflow is terminated mid-backfill, enrolling nobody twice', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId);
    const old = await insertQualified(pipelineId, 700);

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

    expect((await enable(workflowId, { enrollExisting: true })).status).toBe(200);
    await holding;
    const handle = stack.temporal.workflow.getHandle(automationWorkflowId(workflowId, 0));
    await handle.terminate('test: the automation workflow ends mid-backfill');
    release();
    const partway = await backfillOf(workflowId);
    expect(partway).toEqual(expect.objectContaining({ status: 'running', total: 700 }));
    expect(partway!.enrolled).toBeGreaterThan(0);
    expect(partway!.enrolled).toBeLessThan(700);

    // Enabling again with enrollExisting goes on with the running backfill (no second one) in a new run.
    expect((await enable(workflowId, { enrollExisting: true })).status).toBe(200);
    expect(await backfillDone(workflowId)).toEqual({ status: 'done', enrolled: 700, skipped: 0, total: 700 });
    const enrollments = await completedEnrollments(workflowId, 700);
    for (const recordId of old) expect(enrollments.get(recordId)?.n).toBe(1);
    const { rows } = await stack.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM backfills WHERE workflow_id = $1',
      [workflowId],
    );
    expect(rows[0]!.n).toBe(1);
    expect((await decisionLines(workflowId)).get(`enrolled (${BACKFILL_CAUSE})`)).toBe(700);
  }, 180_000);
});

/** On a dev server that suggests continue-as-new after 40 history events: the backfill's place crosses runs. */
describe('a backfill longer than one automation run', () => {
  let stack: OwnServerTestStack;
  beforeAll(async () => {
    stack = await startTestStackOnOwnServer({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('carries its place over continue-as-new and enrolls each record once', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Qualified',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
    });
    const count = 1_600;
    await stack.pool.query(
      `INSERT INTO records (id, object_type, pipeline_id, stage_id)
       SELECT $1 || '-' || lpad(n::text, 5, '0'), 'deal', $2, 'qualified' FROM generate_series(1, $3) AS n`,
      [unique('old'), pipelineId, count],
    );
    expect((await stack.http.post(`/api/workflows/${workflowId}/enable`).send({ enrollExisting: true })).status).toBe(
      200,
    );

    const backfill = await eventually(
      async () => {
        const res = await stack.http.get(`/api/workflows/${workflowId}`);
        return res.body.backfill?.status === 'done' ? (res.body.backfill as BackfillProgress) : undefined;
      },
      120_000,
      'the backfill to be done',
    );
    expect(backfill).toEqual({ status: 'done', enrolled: count, skipped: 0, total: count });
    const { rows } = await stack.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM enrollments WHERE workflow_id = $1 GROUP BY record_id',
      [workflowId],
    );
    expect(rows.map((row) => row.n)).toEqual(Array(count).fill(1));

    const runs: { status: string; historyLength: number }[] = [];
    const query = `WorkflowId = "${automationWorkflowId(workflowId, 0)}"`;
    for await (const run of stack.temporal.workflow.list({ query })) {
      runs.push({ status: run.status.name, historyLength: run.historyLength });
    }
    expect(runs.filter((run) => run.status === 'CONTINUED_AS_NEW').length).toBeGreaterThan(0);
    expect(Math.max(...runs.map((run) => run.historyLength))).toBeLessThan(200);
  }, 180_000);
});
