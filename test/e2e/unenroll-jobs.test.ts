import type { Client } from '@temporalio/client';
import { createRelay, type Relay } from '../../src/temporal/relay';
import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  taskTitles,
  timeline,
  waitForOutbox,
} from '../support/fixtures';
import { startEnrollmentWorkflow } from '../../src/temporal/enrollments';
import { eventually, startTestStack, type TestStack } from '../support/stack';

/**
 * The real client, except that only the first `allowed` enrollment signals go through; the rest fail as if Temporal
 * refused them. Everything else (signalWithStart for automation workflows, starts) is untouched.
 */
function clientFailingSignalsAfter(real: Client, allowed: number): Client {
  let left = allowed;
  const bound = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop) as unknown;
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const workflow = new Proxy(real.workflow, {
    get(target, prop) {
      if (prop !== 'getHandle') return bound(target, prop);
      return (id: string) => {
        const handle = target.getHandle(id);
        return new Proxy(handle, {
          get(inner, name) {
            if (name !== 'signal' || !id.startsWith('enrollment/')) return bound(inner, name);
            return async (...args: Parameters<typeof handle.signal>) => {
              left -= 1;
              if (left < 0) throw new Error('injected: Temporal refused the signal');
              return handle.signal(...args);
            };
          },
        });
      };
    },
  });
  return new Proxy(real, { get: (target, prop) => (prop === 'workflow' ? workflow : bound(target, prop)) });
}

describe('"unenroll everyone" as a job the relay works through page by page', () => {
  let stack: TestStack;
  const relays: Relay[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    for (const relay of relays) await relay.stop();
    await stack.stop();
  });

  const relay = (temporal: Client) => {
    const made = createRelay({
      pool: stack.pool,
      temporal,
      taskQueue: stack.taskQueue,
      log: stack.log,
      pollMs: 100,
      batchSize: 10,
    });
    relays.push(made);
    return made;
  };

  it('keeps its place across a failure, holds up no other event, and ends every enrollment once', async () => {
    const pipelineId = await createDealPipeline(stack);
    const waiting = await createWorkflow(stack, {
      pipelineId,
      name: 'Long wait',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ type: 'delay', config: { for: '30d' } }],
    });
    const welcome = await createWorkflow(stack, {
      pipelineId,
      name: 'Welcome the winners',
      trigger: { type: 'stage_entered', stageId: 'won' },
      actions: [{ type: 'create_task', config: { title: 'Send flowers' } }],
    });
    await enableWorkflow(stack, waiting);
    await enableWorkflow(stack, welcome);
    for (let index = 0; index < 35; index += 1) await createRecord(stack, { pipelineId, stageId: 'qualified' });
    const waitingCount = async () =>
      Number(
        (
          await stack.pool.query(`SELECT count(*) FROM enrollments WHERE workflow_id = $1 AND status = 'waiting'`, [
            waiting,
          ])
        ).rows[0].count,
      );
    await eventually(async () => ((await waitingCount()) === 35 ? true : undefined), 60_000, '35 waiting enrollments');

    await stack.api.relay.stop();
    expect((await stack.http.post(`/api/workflows/${waiting}/disable`).send({ unenroll: true })).status).toBe(200);
    const faulty = relay(clientFailingSignalsAfter(stack.temporal, 10));
    await faulty.start();

    // The first page of 10 goes through, the second fails; the job keeps its place and says why.
    const job = await eventually(
      async () => {
        const { rows } = await stack.pool.query(
          'SELECT after_id, attempts, last_error, done_at FROM unenroll_jobs WHERE workflow_id = $1',
          [waiting],
        );
        return rows[0]?.attempts >= 1 ? rows[0] : undefined;
      },
      30_000,
      'a failed page',
    );
    expect(job).toMatchObject({ after_id: expect.any(String), last_error: expect.stringContaining('injected') });
    expect(job.done_at).toBeNull();
    // Meanwhile events still flow: a record won is welcomed.
    const winner = await createRecord(stack, { pipelineId, stageId: 'won' });
    await eventually(async () => ((await taskTitles(stack, winner)).length > 0 ? true : undefined), 30_000, 'a task');
    expect(await taskTitles(stack, winner)).toEqual(['Send flowers']);
    await eventually(async () => ((await waitingCount()) === 25 ? true : undefined), 30_000, 'the first page ended');

    await faulty.stop();
    await relay(stack.temporal).start();
    await eventually(async () => ((await waitingCount()) === 0 ? true : undefined), 60_000, 'every enrollment ended');
    const { rows: ended } = await stack.pool.query(
      `SELECT e.status, count(t.id) AS lines FROM enrollments e
       LEFT JOIN timeline t ON t.enrollment_id = e.id AND t.kind = 'unenrolled'
       WHERE e.workflow_id = $1 GROUP BY e.id, e.status`,
      [waiting],
    );
    expect(ended).toHaveLength(35);
    expect(ended.every((row) => row.status === 'cancelled' && Number(row.lines) === 1)).toBe(true);
    await eventually(
      async () => {
        const { rows } = await stack.pool.query('SELECT done_at FROM unenroll_jobs WHERE workflow_id = $1', [waiting]);
        return rows[0]?.done_at ? true : undefined;
      },
      10_000,
      'the job done',
    );
  });

  it('routes one event to every one of the 40 workflows its stage triggers', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowIds: string[] = [];
    for (let index = 0; index < 40; index += 1) {
      const id = await createWorkflow(stack, {
        pipelineId,
        name: `Fan-out ${index}`,
        trigger: { type: 'stage_entered', stageId: 'won' },
        actions: [{ type: 'create_task', config: { title: `Task ${index}` } }],
      });
      await enableWorkflow(stack, id);
      workflowIds.push(id);
    }
    const recordId = await createRecord(stack, { pipelineId, stageId: 'won' });
    const titles = await eventually(
      async () => {
        const found = await taskTitles(stack, recordId);
        return found.length === 40 ? found : undefined;
      },
      60_000,
      '40 tasks',
    );
    expect(new Set(titles).size).toBe(40);
  });

  it('ends an enrollment whose start is still on its way, so that when it starts it does nothing', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Not yet started',
      trigger: { type: 'stage_entered', stageId: 'won' },
      actions: [{ type: 'create_task', config: { title: 'Should not run' } }],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });
    await waitForOutbox(stack);
    // Recorded as enrolled, its workflow not started yet (as between a decision and the relay delivering its start).
    const input = {
      enrollmentId: `enrollment/${workflowId}/${recordId}/evt-late`,
      workflowId,
      recordId,
      eventId: 'evt-late',
      depth: 0,
    };
    await stack.pool.query(
      `INSERT INTO enrollments (id, workflow_id, record_id, event_id, status) VALUES ($1, $2, $3, $4, 'running')`,
      [input.enrollmentId, workflowId, recordId, input.eventId],
    );
    const unenrolled = await stack.http.post(`/api/workflows/${workflowId}/enrollments/unenroll`).send({ recordId });
    expect(unenrolled.body).toEqual({ unenrolled: [input.enrollmentId] });
    await eventually(async () => {
      const { rows } = await stack.pool.query('SELECT status FROM enrollments WHERE id = $1', [input.enrollmentId]);
      return rows[0]?.status === 'cancelled' ? true : undefined;
    });

    await startEnrollmentWorkflow(stack.temporal, { input, pipelineId, taskQueue: stack.taskQueue });
    const result = await stack.temporal.workflow.getHandle(input.enrollmentId).result();
    expect(result).toEqual({ status: 'not_enrolled', reason: 'unenrolled before it started' });
    expect(await taskTitles(stack, recordId)).toEqual([]);
    const lines = (await timeline(stack, recordId)).filter((line) => line.enrollmentId === input.enrollmentId);
    expect(lines.map((line) => [line.kind, line.detail])).toEqual([
      ['unenrolled', expect.stringMatching(/^unenrolled: by hand by /)],
    ]);
  });
});
