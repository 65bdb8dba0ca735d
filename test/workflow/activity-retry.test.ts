import { ApplicationFailure } from '@temporalio/activity';
import { createDealPipeline, createRecord, createWorkflow, enableWorkflow, waitForTimeline } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

describe('an activity retried after a transient failure', () => {
  let stack: TestStack;
  const attempts: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    // The real activity commits its task, then the attempt fails as if the worker lost its connection before
    // reporting success. Temporal retries it; the retry must not create a second task.
    await stack.startWorker((activities) => ({
      ...activities,
      async createTask(input: Parameters<typeof activities.createTask>[0]) {
        attempts.push(input.key);
        const outcome = await activities.createTask(input);
        if (attempts.filter((key) => key === input.key).length === 1) {
          throw ApplicationFailure.create({ type: 'TransientNetworkError', message: 'connection reset after commit' });
        }
        return outcome;
      },
    }));
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('creates the task exactly once and logs one completion', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Retry me',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Only once' } }],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed');
    expect(attempts).toHaveLength(2);
    expect(new Set(attempts).size).toBe(1);
    const tasks = await stack.pool.query('SELECT title FROM tasks WHERE record_id = $1', [recordId]);
    expect(tasks.rows).toEqual([{ title: 'Only once' }]);
    expect(lines.filter((line) => line.kind === 'action_completed')).toHaveLength(1);
  });
});
