import { createDealPipeline, createRecord, createWorkflow, enableWorkflow, waitForTimeline } from '../support/fixtures';
import { DEFAULT_API_SETTINGS, eventually, type OwnServerTestStack, startTestStackOnOwnServer } from '../support/stack';
import { lazyTemporalClient } from '../../src/temporal/client';
import { startApiRuntime } from '../../src/runtime';
import { automationWorkflowId } from '../../src/domain';

describe('events accepted while Temporal is unreachable', () => {
  let stack: OwnServerTestStack;

  // Persistent: the automation workflows started before an outage are still there once the server is back.
  beforeAll(async () => {
    stack = await startTestStackOnOwnServer({ persistent: true });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('are stored, acknowledged, and delivered once Temporal is back', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Outage',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Delivered late' } }],
    });
    await enableWorkflow(stack, workflowId);
    // The workflow is on before the outage: its automation workflow runs.
    await eventually(async () =>
      (await stack.temporal.workflow.getHandle(automationWorkflowId(workflowId, 0)).describe()).status.name ===
      'RUNNING'
        ? true
        : undefined,
    );

    await stack.worker!.stop();
    await stack.server.kill();

    // The API of a process that starts while Temporal is down still takes events.
    const offlineApi = await startApiRuntime({
      port: 0,
      pool: stack.pool,
      temporal: lazyTemporalClient({ address: stack.server.address, namespace: 'default' }),
      taskQueue: stack.taskQueue,
      log: stack.log,
      relayPollMs: 200,
      secretsKey: stack.secretsKey,
      settings: DEFAULT_API_SETTINGS,
    });
    await stack.api.relay.stop();
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    const pending = await eventually(
      async () => {
        const { rows } = await stack.pool.query(
          'SELECT attempts, delivered_at, last_error FROM outbox WHERE record_id = $1',
          [recordId],
        );
        return rows[0]?.attempts > 0 ? rows[0] : undefined;
      },
      20_000,
      'a failed delivery attempt',
    );
    expect(pending.delivered_at).toBeNull();
    expect(pending.last_error).toBeTruthy();

    await stack.restartServer();
    await stack.startWorker();
    await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    await offlineApi.stop();

    const { rows } = await stack.pool.query('SELECT title FROM tasks WHERE record_id = $1', [recordId]);
    expect(rows).toEqual([{ title: 'Delivered late' }]);
    const outbox = await stack.pool.query('SELECT delivered_at FROM outbox WHERE record_id = $1', [recordId]);
    expect(outbox.rows[0].delivered_at).not.toBeNull();
  });

  it('answers toggles at once while Temporal is down, and carries them out when it is back', async () => {
    await stack.api.relay.start(); // the test before stopped it
    const pipelineId = await createDealPipeline(stack);
    const workflow = (name: string) =>
      createWorkflow(stack, {
        pipelineId,
        name,
        trigger: { type: 'stage_entered', stageId: 'qualified' },
        actions: [{ id: 'task', type: 'create_task', config: { title: name } }],
      });
    const turnedOn = await workflow('Turned on during the outage');
    const turnedOff = await workflow('Turned off during the outage');
    await enableWorkflow(stack, turnedOff);
    const automation = (workflowId: string) => stack.temporal.workflow.getHandle(automationWorkflowId(workflowId, 0));
    await eventually(async () =>
      (await automation(turnedOff).describe()).status.name === 'RUNNING' ? true : undefined,
    );

    await stack.worker!.stop();
    await stack.server.kill();
    const started = Date.now();
    expect((await stack.http.post(`/api/workflows/${turnedOn}/enable`)).status).toBe(200);
    expect((await stack.http.post(`/api/workflows/${turnedOff}/disable`).send({})).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });

    await stack.restartServer();
    await stack.startWorker();
    await waitForTimeline(stack, recordId, 'enrollment_completed', turnedOn);
    await eventually(async () =>
      (await automation(turnedOn).describe()).status.name === 'RUNNING' ? true : undefined,
    );
    await eventually(
      async () => ((await automation(turnedOff).describe()).status.name === 'COMPLETED' ? true : undefined),
      20_000,
      'the automation workflow of the workflow turned off to end',
    );
    const { rows } = await stack.pool.query('SELECT title FROM tasks WHERE record_id = $1', [recordId]);
    expect(rows).toEqual([{ title: 'Turned on during the outage' }]);
  });
});
