import { createDealPipeline, createRecord, createWorkflow, enableWorkflow, waitForTimeline } from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/stack';

describe('a worker restarted in the middle of an enrollment', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('loses nothing: the delay fires under the new worker and no action runs twice', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Nurture',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        { id: 'first', type: 'create_task', config: { title: 'Before the wait' } },
        { id: 'wait', type: 'delay', config: { for: '3s' } },
        { id: 'second', type: 'create_task', config: { title: 'After the wait' } },
        { id: 'mark', type: 'set_property', config: { property: 'nurtured', value: true } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });

    await waitForTimeline(stack, recordId, 'delay_started');
    const waiting = await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`);
    expect(waiting.body.items).toEqual([
      expect.objectContaining({ status: 'waiting', currentActionId: 'wait', wakeAt: expect.any(String) }),
    ]);

    await stack.worker!.stop();
    await stack.startWorker();

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed');
    expect(lines.filter((line) => line.actionId).map((line) => `${line.kind}:${line.actionId}`)).toEqual([
      'action_completed:first',
      'delay_started:wait',
      'action_completed:second',
      'action_completed:mark',
    ]);
    const tasks = await stack.pool.query('SELECT title FROM tasks WHERE record_id = $1 ORDER BY created_at', [
      recordId,
    ]);
    expect(tasks.rows.map((row) => row.title)).toEqual(['Before the wait', 'After the wait']);
    const record = await eventually(async () => (await stack.http.get(`/api/records/${recordId}`)).body);
    expect(record.properties).toEqual({ nurtured: true });
  });
});
