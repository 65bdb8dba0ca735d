import { freePort } from '../../src/net';
import { automationWorkflowId } from '../../src/domain';
import { type DevServer, startDevServer } from '../../src/temporal/dev-server';
import { readTestEnv, TestEnv } from '../support/env';
import { createDealPipeline, createWorkflow, enableWorkflow } from '../support/fixtures';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

const EVENTS = 150;

/**
 * The automation workflow continues as new whenever Temporal suggests it. Here Temporal suggests it after 40 history
 * events, so a burst of stage entries keeps the run wanting to end while children are being started: every event
 * must still enroll exactly once. (A batch of child starts that left later events in the queue at continue-as-new
 * lost them: the benchmark found 991 of 2,000.)
 */
describe('an automation workflow under a burst, across continue-as-new', () => {
  let server: DevServer;
  let stack: TestStack;

  beforeAll(async () => {
    server = await startDevServer({
      cliPath: readTestEnv(TestEnv.cliPath),
      port: await freePort(),
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 },
    });
    stack = await startTestStack({ temporalAddress: server.address });
  });
  afterAll(async () => {
    await stack.stop();
    await server.stop();
  });

  it('enrolls every record once', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Burst',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'flag', type: 'set_property', config: { property: 'seen', value: 'yes' } }],
    });
    await enableWorkflow(stack, workflowId);

    const ids = Array.from({ length: EVENTS }, () => unique('burst'));
    for (let start = 0; start < ids.length; start += 10) {
      await Promise.all(
        ids.slice(start, start + 10).map(async (id) => {
          const res = await stack.http.post('/api/records').send({ id, pipelineId, stageId: 'qualified' });
          expect(res.status).toBe(201);
        }),
      );
    }

    const completed = await eventually(
      async () => {
        const { rows } = await stack.pool.query<{ record_id: string; n: number }>(
          `SELECT record_id, count(*)::int AS n FROM enrollments
            WHERE workflow_id = $1 AND status = 'completed' GROUP BY record_id`,
          [workflowId],
        );
        return rows.length === EVENTS ? rows : undefined;
      },
      90_000,
      `${EVENTS} completed enrollments`,
    );
    expect(completed.every((row) => row.n === 1)).toBe(true);

    // Temporal refuses to close a run while child completions keep arriving, so the run ends once the burst lets it.
    const runs = await eventually(
      async () => {
        const { count } = await stack.temporal.workflow.count(`WorkflowId = "${automationWorkflowId(workflowId)}"`);
        return count > 1 ? count : undefined;
      },
      30_000,
      'the automation workflow to continue as new',
    );
    expect(runs).toBeGreaterThan(1);
  }, 150_000);
});
