import { createEnrollmentActivities } from '../../activities/enrollments';
import { makeId } from '../../src/runtime';
import {
  createDealPipeline,
  createRecord,
  createTicketPipeline,
  createWorkflow,
  enableWorkflow,
} from '../support/fixtures';
import { newSecretsKey, startTestStack, type TestStack } from '../support/stack';

/**
 * The enrollment decision runs as a local activity, so a crash after its commit re-runs it. The re-run must give the
 * answer that was recorded, even when the world has changed in between, and must not record a second enrollment.
 */
describe('beginEnrollment run twice', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
  });
  afterAll(() => stack.stop());

  const activities = () =>
    createEnrollmentActivities({
      pool: stack.pool,
      mailer: stack.mailer,
      mailFrom: 'test@pipewright.local',
      clock: () => new Date(),
      log: stack.log,
      newId: makeId,
      webhookPolicy: { allowPrivateTargets: true, allowedHosts: [], timeoutMs: 1000 },
      secretsKey: newSecretsKey(),
      temporal: stack.temporal,
      taskQueue: stack.taskQueue,
    });

  it('answers the re-run with the recorded decision', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Decided once',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Hello' } }],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });
    const enrollments = activities();
    const input = {
      enrollmentId: `enrollment/${workflowId}/${recordId}/evt-1`,
      workflowId,
      recordId,
      eventId: 'evt-1',
      depth: 0,
    };

    await expect(enrollments.beginEnrollment(input)).resolves.toMatchObject({
      enrolled: true,
      step: { kind: 'action', action: { id: 'task' }, enabled: true },
    });
    expect((await stack.http.post(`/api/workflows/${workflowId}/disable`)).status).toBe(200);
    // Recorded as enrolled; the first step it runs says the workflow is off now.
    await expect(enrollments.beginEnrollment(input)).resolves.toMatchObject({
      enrolled: true,
      step: { kind: 'action', action: { id: 'task' }, enabled: false },
    });

    const { rows } = await stack.pool.query('SELECT id FROM enrollments WHERE workflow_id = $1', [workflowId]);
    expect(rows).toEqual([{ id: input.enrollmentId }]);
    const timeline = await stack.pool.query(
      `SELECT kind FROM timeline WHERE record_id = $1 AND kind IN ('enrolled', 'not_enrolled')`,
      [recordId],
    );
    expect(timeline.rows).toEqual([{ kind: 'enrolled' }]);
  });

  it('says the status is unchanged when a templated automation was turned off before its enrollment began', async () => {
    const pipelineId = await createTicketPipeline(stack);
    const path = `/api/pipelines/${pipelineId}/ticket-status-automation`;
    const on = await stack.http.put(path).send({ customerReplied: { enabled: true, stageId: 'new' } });
    const workflowId = on.body.customerReplied.workflowId as string;
    const recordId = await createRecord(stack, { pipelineId, stageId: 'waiting' });
    await stack.http
      .put(path)
      .send({ customerReplied: { enabled: false } })
      .expect(200);

    const reason = 'the templated automation "Customer replied" is off';
    await expect(
      activities().beginEnrollment({
        enrollmentId: `enrollment/${workflowId}/${recordId}/evt-2`,
        workflowId,
        recordId,
        eventId: 'evt-2',
        depth: 0,
      }),
    ).resolves.toEqual({ enrolled: false, reason });
    const { rows } = await stack.pool.query(
      `SELECT detail FROM timeline WHERE record_id = $1 AND kind = 'not_enrolled'`,
      [recordId],
    );
    expect(rows).toEqual([{ detail: `status unchanged: ${reason}` }]);
  });
});
