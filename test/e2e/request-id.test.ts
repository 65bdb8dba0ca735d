import { Writable } from 'node:stream';
import pino from 'pino';
import { createDealPipeline, createWorkflow, enableWorkflow, waitForTimeline } from '../support/fixtures';
import { startTestStack, type TestStack, unique } from '../support/stack';

describe('a request id follows an event from HTTP into the workflow and its activities', () => {
  let stack: TestStack;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    stack = await startTestStack({ log: pino({ level: 'info' }, sink) });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('logs the HTTP request, stores the id with the event, and logs the enrollment decision with it', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Traced',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [{ id: 't', type: 'create_task', config: { title: 'Traced' } }],
    });
    await enableWorkflow(stack, workflowId);
    const requestId = unique('req');
    const created = await stack.http
      .post('/api/records')
      .set('X-Request-Id', requestId)
      .send({ pipelineId, stageId: 'new' });
    expect(created.status).toBe(201);
    expect(created.headers['x-request-id']).toBe(requestId);
    await waitForTimeline(stack, created.body.id, 'enrollment_completed');

    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'request', requestId, method: 'POST', path: '/api/records', status: 201 }),
    );
    const { rows } = await stack.pool.query('SELECT payload FROM outbox WHERE record_id = $1', [created.body.id]);
    expect(rows[0].payload.requestId).toBe(requestId);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'enrollment decided', requestId, enrolled: true }));
    // The workflow's own log line, through the Temporal SDK's logger, in the same JSON stream.
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'enrollment started',
        requestId,
        component: 'temporal',
        sdkComponent: 'workflow',
      }),
    );
  });
});
