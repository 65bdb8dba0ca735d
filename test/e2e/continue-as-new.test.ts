import { freePort } from '../../src/net';
import { automationWorkflowId } from '../../src/domain';
import { type DevServer, startDevServer } from '../../src/temporal/dev-server';
import { automationWorkflow } from '../../workflows/automation';
import { stageEnteredSignal } from '../../workflows/signals';
import { readTestEnv, TestEnv } from '../support/env';
import { createDealPipeline, createWorkflow, enableWorkflow } from '../support/fixtures';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

const EVENTS = 150;

/**
 * Bursts of stage entries on a dev server that suggests continue-as-new after 40 history events: every event must
 * enroll exactly once, and no workflow's history may grow with the number of events.
 */
describe('a burst of stage entries', () => {
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

  it('enrolls every record once, each enrollment a workflow of its own with nothing long-lived behind it', async () => {
    const { pipelineId, workflowId } = await burstWorkflow();
    await enableWorkflow(stack, workflowId);
    await createRecords(pipelineId);

    expect(await completedEnrollmentsPerRecord(workflowId)).toEqual(Array(EVENTS).fill(1));
    // No parent collects an event per enrollment: a long-lived one could not continue as new under a steady stream.
    const { rows } = await stack.pool.query<{ id: string }>('SELECT id FROM enrollments WHERE workflow_id = $1', [
      workflowId,
    ]);
    const description = await stack.temporal.workflow.getHandle(rows[0]!.id).describe();
    expect(description.parentExecution).toBeUndefined();
    const { count } = await stack.temporal.workflow.count(`WorkflowId = "${automationWorkflowId(workflowId)}"`);
    expect(count).toBe(0);
  }, 150_000);

  // The retired automation workflow (workflows/automation.ts) still runs for runs started by earlier versions. A batch
  // of child starts that left later events in its queue at continue-as-new lost them: the benchmark found 991 of 2,000.
  it('is enrolled once per record by an automation workflow started by an earlier version, across continue-as-new', async () => {
    const { pipelineId, workflowId } = await burstWorkflow();
    // Entered while the workflow is off: the relay enrolls none of them.
    const recordIds = await createRecords(pipelineId);
    await eventually(
      async () => {
        const { rows } = await stack.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM timeline WHERE workflow_id = $1 AND kind = 'not_enrolled'`,
          [workflowId],
        );
        return rows[0]!.n === EVENTS || undefined;
      },
      30_000,
      'the relay to pass every entry by',
    );
    await enableWorkflow(stack, workflowId);

    const handle = automationWorkflowId(workflowId);
    await Promise.all(
      recordIds.map((recordId) =>
        stack.temporal.workflow.signalWithStart(automationWorkflow, {
          workflowId: handle,
          taskQueue: stack.taskQueue,
          args: [{ workflowId }],
          signal: stageEnteredSignal,
          signalArgs: [
            {
              eventId: unique('evt'),
              recordId,
              pipelineId,
              stageId: 'qualified',
              depth: 0,
              occurredAt: new Date().toISOString(),
            },
          ],
        }),
      ),
    );

    expect(await completedEnrollmentsPerRecord(workflowId)).toEqual(Array(EVENTS).fill(1));
    // Temporal refuses to close a run while child completions keep arriving, so the run ends once the burst lets it.
    const runs = await eventually(
      async () => {
        const { count } = await stack.temporal.workflow.count(`WorkflowId = "${handle}"`);
        return count > 1 ? count : undefined;
      },
      30_000,
      'the automation workflow to continue as new',
    );
    expect(runs).toBeGreaterThan(1);
  }, 150_000);
});
