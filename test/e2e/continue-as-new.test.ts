import { automationWorkflowId } from '../../src/domain';
import { createDealPipeline, createWorkflow, enableWorkflow } from '../support/fixtures';
import { eventually, type OwnServerTestStack, startTestStackOnOwnServer, unique } from '../support/stack';

const EVENTS = 150;

/**
 * A burst of stage entries on a dev server that suggests continue-as-new after 20 history events: every event must
 * enroll exactly once, and no workflow's history may grow with the number of events. (The relay sends a round's
 * events in one signal and the workflow decides them in batches, so 150 events make only a few dozen history events:
 * at 40 the suggestion came or not depending on how the rounds fell.)
 */
describe('a burst of stage entries', () => {
  let stack: OwnServerTestStack;

  beforeAll(async () => {
    stack = await startTestStackOnOwnServer({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 20 } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  async function burstWorkflow(): Promise<{ pipelineId: string; workflowId: string }> {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Burst',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'flag', type: 'set_property', config: { property: 'seen', value: 'yes' } }],
    });
    return { pipelineId, workflowId };
  }

  async function createRecords(pipelineId: string): Promise<string[]> {
    const ids = Array.from({ length: EVENTS }, () => unique('burst'));
    for (let start = 0; start < ids.length; start += 10) {
      await Promise.all(
        ids.slice(start, start + 10).map(async (id) => {
          const res = await stack.http.post('/api/records').send({ id, pipelineId, stageId: 'qualified' });
          expect(res.status).toBe(201);
        }),
      );
    }
    return ids;
  }

  async function completedEnrollmentsPerRecord(workflowId: string): Promise<number[]> {
    return eventually(
      async () => {
        const { rows } = await stack.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM enrollments
            WHERE workflow_id = $1 AND status = 'completed' GROUP BY record_id`,
          [workflowId],
        );
        return rows.length === EVENTS ? rows.map((row) => row.n) : undefined;
      },
      90_000,
      `${EVENTS} completed enrollments`,
    );
  }

  /** Every run of one shard's automation workflow, with its history length and status. */
  async function automationRuns(workflowId: string): Promise<{ historyLength: number; status: string }[]> {
    const runs: { historyLength: number; status: string }[] = [];
    const query = `WorkflowId = "${automationWorkflowId(workflowId, 0)}"`;
    for await (const run of stack.temporal.workflow.list({ query })) {
      runs.push({ historyLength: run.historyLength, status: run.status.name });
    }
    return runs;
  }

  it('enrolls every record once through an automation workflow that continues as new, its runs short', async () => {
    const { pipelineId, workflowId } = await burstWorkflow();
    await enableWorkflow(stack, workflowId);
    await createRecords(pipelineId);

    expect(await completedEnrollmentsPerRecord(workflowId)).toEqual(Array(EVENTS).fill(1));
    // Each enrollment is a workflow of its own, started by an activity: no child events reach the automation history.
    const { rows } = await stack.pool.query<{ id: string }>('SELECT id FROM enrollments WHERE workflow_id = $1', [
      workflowId,
    ]);
    const description = await stack.temporal.workflow.getHandle(rows[0]!.id).describe();
    expect(description.parentExecution).toBeUndefined();
    const runs = await eventually(
      async () => {
        const listed = await automationRuns(workflowId);
        return listed.length > 1 ? listed : undefined;
      },
      30_000,
      'the automation workflow to continue as new',
    );
    expect(runs.filter((run) => run.status === 'RUNNING')).toHaveLength(1);
    expect(runs.filter((run) => run.status !== 'RUNNING').map((run) => run.status)).toEqual(
      Array(runs.length - 1).fill('CONTINUED_AS_NEW'),
    );
    // Temporal suggests continue-as-new past 20 events; a run ends within a few batches after that.
    expect(Math.max(...runs.map((run) => run.historyLength))).toBeLessThan(200);
  }, 150_000);
});
