import supertest from 'supertest';
import { createRelay, type Relay } from '../../src/temporal/relay';
import {
  createDealPipeline,
  createRecord,
  createTicketPipeline,
  createWorkflow,
  enableWorkflow,
  taskTitles,
  timeline,
  waitForOutbox,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

/** Who enrolls and unenrolls by hand in these tests: a workflow editor's token, named as the lines will say. */
const OPERATOR = 'Operator Olga';

describe('enrolling and unenrolling one record by hand, end to end over HTTP', () => {
  let stack: TestStack;
  let operatorToken: string;
  let viewerToken: string;
  const relays: Relay[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    const token = async (name: string, role: string) => {
      const res = await stack.http.post('/api/tokens').send({ name, role });
      expect(res.status).toBe(201);
      return res.body.token as string;
    };
    operatorToken = await token(OPERATOR, 'workflow_editor');
    viewerToken = await token('Viewer Vic', 'viewer');
  });
  afterAll(async () => {
    for (const relay of relays) await relay.stop();
    await stack.stop();
  });

  const as = (token: string) => ({
    post: (path: string) => supertest(stack.api.url).post(path).set('Authorization', `Bearer ${token}`),
  });
  const enroll = (workflowId: string, recordId: string, token = operatorToken) =>
    as(token).post(`/api/workflows/${workflowId}/enrollments`).send({ recordId });
  const unenroll = (workflowId: string, recordId: string) =>
    as(operatorToken).post(`/api/workflows/${workflowId}/enrollments/unenroll`).send({ recordId });

  async function enrollments(workflowId: string, recordId: string): Promise<{ id: string; status: string }[]> {
    const res = await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`);
    expect(res.status).toBe(200);
    return res.body.items;
  }

  /** Everything a manual enrollment would write for the record in the workflow. */
  async function written(workflowId: string, recordId: string) {
    const count = async (sql: string, params: unknown[]) =>
      Number((await stack.pool.query<{ n: string }>(sql, params)).rows[0]!.n);
    return {
      enrollments: await count('SELECT count(*) AS n FROM enrollments WHERE workflow_id = $1 AND record_id = $2', [
        workflowId,
        recordId,
      ]),
      lines: await count('SELECT count(*) AS n FROM timeline WHERE workflow_id = $1 AND record_id = $2', [
        workflowId,
        recordId,
      ]),
      starts: await count(`SELECT count(*) AS n FROM outbox WHERE type = 'enrollment_start' AND record_id = $1`, [
        recordId,
      ]),
      unenrollJobs: await count('SELECT count(*) AS n FROM unenroll_jobs WHERE workflow_id = $1 AND record_id = $2', [
        workflowId,
        recordId,
      ]),
    };
  }

  /** A workflow on stage `qualified` of a fresh deal pipeline, turned on unless `enabled: false`. */
  async function qualifiedWorkflow(
    pipelineId: string,
    actions: unknown[],
    options: { enabled?: boolean; enrollment?: Record<string, unknown> } = {},
  ): Promise<string> {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Follow up qualified deals',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      ...(options.enrollment && { enrollment: options.enrollment }),
      actions,
    });
    if (options.enabled !== false) await enableWorkflow(stack, workflowId);
    return workflowId;
  }

  it('enrolls a record outside the trigger stage: the enrollment runs and the timeline says who enrolled it', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifiedWorkflow(pipelineId, [
      { id: 'call', type: 'create_task', config: { title: 'Call the customer' } },
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });

    const key = unique('enroll');
    const first = await enroll(workflowId, recordId).set('Idempotency-Key', key);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      enrollmentId: expect.stringMatching(new RegExp(`^enrollment/${workflowId}/${recordId}/manual`)),
    });
    const repeat = await enroll(workflowId, recordId).set('Idempotency-Key', key);
    expect(repeat.status).toBe(202);
    expect(repeat.body).toEqual(first.body);

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(await taskTitles(stack, recordId)).toEqual(['Call the customer']);
    expect(lines.filter((line) => line.workflowId === workflowId).map((line) => [line.kind, line.detail])).toEqual([
      ['enrolled', `enrolled by hand by ${OPERATOR}`],
      ['action_completed', expect.any(String)],
      ['enrollment_completed', 'enrollment completed'],
    ]);
    expect(await enrollments(workflowId, recordId)).toEqual([
      expect.objectContaining({ id: first.body.enrollmentId, status: 'completed' }),
    ]);
    const { rows } = await stack.pool.query(`SELECT delivered_at FROM outbox WHERE event_id = $1`, [
      first.body.enrollmentId.split('/').at(-1),
    ]);
    expect(rows).toEqual([{ delivered_at: expect.any(Date) }]);
  });

  it('refuses by the same rules as automatic enrollments, naming the field and the reason, and writes nothing', async () => {
    const pipelineId = await createDealPipeline(stack);
    const record = await createRecord(stack, { pipelineId, stageId: 'new' });
    const nothingWritten = { enrollments: 0, lines: 0, starts: 0, unenrollJobs: 0 };
    const expectRefused = (
      res: supertest.Response,
      status: number,
      error?: { path: string; message: string | RegExp },
    ) => {
      expect(res.status).toBe(status);
      expect(res.type).toBe('application/problem+json');
      if (error) {
        expect(res.body.errors).toEqual([
          {
            path: error.path,
            message: typeof error.message === 'string' ? error.message : expect.stringMatching(error.message),
          },
        ]);
      }
    };

    // The workflow is off.
    const off = await qualifiedWorkflow(pipelineId, [{ type: 'create_task', config: { title: 'Never' } }], {
      enabled: false,
    });
    expectRefused(await enroll(off, record), 422, { path: 'params.id', message: 'the workflow is off' });
    expect(await written(off, record)).toEqual(nothingWritten);

    // A record of another pipeline.
    const on = await qualifiedWorkflow(pipelineId, [{ type: 'create_task', config: { title: 'Never either' } }]);
    const otherPipeline = await createDealPipeline(stack);
    const stranger = await createRecord(stack, { pipelineId: otherPipeline, stageId: 'qualified' });
    expectRefused(await enroll(on, stranger), 422, {
      path: 'body.recordId',
      message: `the record is in pipeline "${otherPipeline}", not in the workflow's pipeline "${pipelineId}"`,
    });
    expect(await written(on, stranger)).toEqual(nothingWritten);

    // A record that does not exist, a workflow that does not exist, a body without a record, a viewer.
    const missing = unique('rec-missing');
    expectRefused(await enroll(on, missing), 422, {
      path: 'body.recordId',
      message: `record "${missing}" does not exist`,
    });
    expect(await written(on, missing)).toEqual(nothingWritten);
    expectRefused(await enroll(unique('wf-missing'), record), 404);
    const noRecord = await as(operatorToken).post(`/api/workflows/${on}/enrollments`).send({});
    expectRefused(noRecord, 400);
    expect(noRecord.body.errors).toEqual([expect.objectContaining({ path: 'body.recordId' })]);
    expectRefused(await enroll(on, record, viewerToken), 403);
    expect(await written(on, record)).toEqual(nothingWritten);

    // The workflow of a templated ticket-status automation is run by its pipeline's setting only.
    const tickets = await createTicketPipeline(stack);
    const setting = await stack.http.get(`/api/pipelines/${tickets}/ticket-status-automation`);
    expect(setting.status).toBe(200);
    const templated = setting.body.customerReplied.workflowId as string;
    const ticket = await createRecord(stack, { pipelineId: tickets, stageId: 'new' });
    expectRefused(await enroll(templated, ticket), 422, {
      path: 'params.id',
      message: /templated automation/,
    });
    expect(await written(templated, ticket)).toEqual(nothingWritten);
  });

  it('refuses a record that is still enrolled, and one enrolled before when re-enrollment is off', async () => {
    const pipelineId = await createDealPipeline(stack);
    const record = await createRecord(stack, { pipelineId, stageId: 'new' });

    // Re-enrollment on, but the first enrollment still waits in its delay.
    const waiting = await qualifiedWorkflow(pipelineId, [{ type: 'delay', config: { for: '1d' } }], {
      enrollment: { reenroll: true },
    });
    expect((await enroll(waiting, record)).status).toBe(202);
    await waitForTimeline(stack, record, 'delay_started', waiting);
    const beforeActive = await written(waiting, record);
    const active = await enroll(waiting, record);
    expect(active.status).toBe(422);
    expect(active.body.errors).toEqual([
      {
        path: 'body.recordId',
        message: 'the record is still enrolled from an earlier entry; a record is never enrolled twice at once',
      },
    ]);
    expect(await written(waiting, record)).toEqual(beforeActive);

    // Re-enrollment off (the default for a stage trigger), after a completed enrollment.
    const once = await qualifiedWorkflow(pipelineId, [{ type: 'create_task', config: { title: 'Once only' } }]);
    expect((await enroll(once, record)).status).toBe(202);
    await waitForTimeline(stack, record, 'enrollment_completed', once);
    const beforeAgain = await written(once, record);
    const again = await enroll(once, record);
    expect(again.status).toBe(422);
    expect(again.body.errors).toEqual([
      { path: 'body.recordId', message: 'the record was enrolled before and re-enrollment is off' },
    ]);
    expect(await written(once, record)).toEqual(beforeAgain);
    expect(await taskTitles(stack, record)).toEqual(['Once only']);
  });

  it('unenrolls a waiting enrollment by hand: it ends with "by hand" and the answer names it', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifiedWorkflow(pipelineId, [
      { type: 'delay', config: { for: '1d' } },
      { type: 'create_task', config: { title: 'Too late' } },
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'delay_started', workflowId);
    const [enrollment] = await enrollments(workflowId, recordId);
    expect(enrollment).toEqual(expect.objectContaining({ status: 'waiting' }));

    const res = await unenroll(workflowId, recordId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ unenrolled: [enrollment!.id] });

    const lines = await waitForTimeline(stack, recordId, 'unenrolled', workflowId);
    expect(lines.find((line) => line.kind === 'unenrolled')).toEqual(
      expect.objectContaining({ workflowId, detail: `unenrolled: by hand by ${OPERATOR}` }),
    );
    await eventually(
      async () => ((await enrollments(workflowId, recordId))[0]?.status === 'cancelled' ? true : undefined),
      20_000,
      'the enrollment cancelled',
    );
    expect(await taskTitles(stack, recordId)).toEqual([]);

    // Nothing left to end: an empty answer, and nothing queued.
    const again = await unenroll(workflowId, recordId);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ unenrolled: [] });
    const idle = await createRecord(stack, { pipelineId, stageId: 'new' });
    const none = await unenroll(workflowId, idle);
    expect(none.body).toEqual({ unenrolled: [] });
    expect(await written(workflowId, idle)).toEqual({ enrollments: 0, lines: 0, starts: 0, unenrollJobs: 0 });
    expect((await stack.pool.query('SELECT 1 FROM unenroll_jobs WHERE record_id = $1', [recordId])).rowCount).toBe(1);

    const missing = unique('rec-missing');
    const unknownRecord = await unenroll(workflowId, missing);
    expect(unknownRecord.status).toBe(422);
    expect(unknownRecord.body.errors).toEqual([
      { path: 'body.recordId', message: `record "${missing}" does not exist` },
    ]);
    expect((await unenroll(unique('wf-missing'), recordId)).status).toBe(404);
    const viewer = await as(viewerToken).post(`/api/workflows/${workflowId}/enrollments/unenroll`).send({ recordId });
    expect(viewer.status).toBe(403);
  });

  it('starts a manual enrollment that was accepted while the relay was stopped, once a relay runs again', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifiedWorkflow(pipelineId, [
      { type: 'create_task', config: { title: 'Started later' } },
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });
    await waitForOutbox(stack);

    await stack.api.relay.stop();
    const res = await enroll(workflowId, recordId);
    expect(res.status).toBe(202);
    const eventId = (res.body.enrollmentId as string).split('/').at(-1);
    const { rows } = await stack.pool.query('SELECT type, delivered_at FROM outbox WHERE event_id = $1', [eventId]);
    expect(rows).toEqual([{ type: 'enrollment_start', delivered_at: null }]);
    expect(await enrollments(workflowId, recordId)).toEqual([
      expect.objectContaining({ id: res.body.enrollmentId, status: 'running' }),
    ]);
    // Nothing reaches Temporal while no relay runs.
    await expect(stack.temporal.workflow.getHandle(res.body.enrollmentId).describe()).rejects.toThrow();

    const relay = createRelay({
      pool: stack.pool,
      temporal: stack.temporal,
      taskQueue: stack.taskQueue,
      log: stack.log,
      pollMs: 100,
    });
    relays.push(relay);
    await relay.start();
    await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(await taskTitles(stack, recordId)).toEqual(['Started later']);
    const delivered = await stack.pool.query('SELECT delivered_at FROM outbox WHERE event_id = $1', [eventId]);
    expect(delivered.rows).toEqual([{ delivered_at: expect.any(Date) }]);
    const lines = await timeline(stack, recordId);
    expect(lines.filter((line) => line.kind === 'enrolled')).toEqual([
      expect.objectContaining({ workflowId, detail: `enrolled by hand by ${OPERATOR}` }),
    ]);
  });
});
