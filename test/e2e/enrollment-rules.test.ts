import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  timeline,
  type TimelineLine,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/stack';

interface EnrollmentRow {
  id: string;
  recordId: string;
  status: string;
  currentActionId?: string;
  wakeAt?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('enrollment rules: unenrollment, re-enrollment, disable and the loop guard, end to end over HTTP', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  async function enrollments(workflowId: string, recordId: string): Promise<EnrollmentRow[]> {
    const res = await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`);
    expect(res.status).toBe(200);
    return res.body.items as EnrollmentRow[];
  }

  async function tasks(recordId: string): Promise<{ workflowId: string; actionId: string; title: string }[]> {
    const res = await stack.http.get(`/api/tasks?recordId=${recordId}`);
    expect(res.status).toBe(200);
    return res.body.items;
  }

  /** Waits until the record's only enrollment in the workflow waits in its delay, and returns its wake-up time. */
  async function waitingUntil(workflowId: string, recordId: string): Promise<number> {
    await waitForTimeline(stack, recordId, 'delay_started', workflowId);
    const [enrollment] = await enrollments(workflowId, recordId);
    expect(enrollment).toEqual(expect.objectContaining({ status: 'waiting', wakeAt: expect.any(String) }));
    return Date.parse(enrollment!.wakeAt!);
  }

  /** Lets a delay's end pass, with a margin for the worker to take its next step. */
  async function passWakeUp(wakeAt: number): Promise<void> {
    await sleep(Math.max(0, wakeAt - Date.now()) + 1_500);
  }

  async function waitForLine(
    recordId: string,
    what: string,
    match: (line: TimelineLine) => boolean,
  ): Promise<TimelineLine[]> {
    return eventually(
      async () => {
        const lines = await timeline(stack, recordId);
        return lines.some(match) ? lines : undefined;
      },
      30_000,
      `${what} in the timeline of ${recordId}`,
    );
  }

  const describeLines = (lines: TimelineLine[]) => lines.map((line) => `${line.kind}: ${line.detail}`);

  it('unenrolls a record that leaves the trigger stage during a delay: the action after the delay never runs', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Nurture qualified deals',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        { id: 'wait', type: 'delay', config: { for: '2s' } },
        { id: 'task', type: 'create_task', config: { title: 'Call back {{record.id}}' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    const wakeAt = await waitingUntil(workflowId, recordId);

    await moveRecord(stack, recordId, 'won');
    expect(Date.now()).toBeLessThan(wakeAt);

    const lines = await waitForTimeline(stack, recordId, 'unenrolled', workflowId);
    const unenrolled = lines.find((line) => line.kind === 'unenrolled');
    expect(unenrolled?.detail).toMatch(/left stage "qualified"/);
    await eventually(async () =>
      (await enrollments(workflowId, recordId))[0]?.status === 'cancelled' ? true : undefined,
    );

    await passWakeUp(wakeAt);
    const after = await timeline(stack, recordId);
    expect(after.filter((line) => line.actionId === 'task')).toEqual([]);
    expect(after.map((line) => line.kind)).not.toContain('enrollment_completed');
    expect(await tasks(recordId)).toEqual([]);
    expect(await enrollments(workflowId, recordId)).toEqual([
      expect.objectContaining({ recordId, status: 'cancelled', endedAt: expect.any(String) }),
    ]);
  });

  it('keeps the enrollment going after the record leaves when unenrollOnStageExit is false', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Follow through whatever happens',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      settings: { unenrollOnStageExit: false },
      actions: [
        { id: 'wait', type: 'delay', config: { for: '2s' } },
        { id: 'task', type: 'create_task', config: { title: 'Follow through {{record.id}}' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitingUntil(workflowId, recordId);

    await moveRecord(stack, recordId, 'won');

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(lines.map((line) => line.kind)).not.toContain('unenrolled');
    expect(lines.filter((line) => line.actionId === 'task').map((line) => line.kind)).toEqual(['action_completed']);
    expect(await tasks(recordId)).toEqual([
      expect.objectContaining({ workflowId, actionId: 'task', title: `Follow through ${recordId}` }),
    ]);
    expect(await enrollments(workflowId, recordId)).toEqual([expect.objectContaining({ status: 'completed' })]);
    expect((await stack.http.get(`/api/records/${recordId}`)).body.stageId).toBe('won');
  });

  it('does not unenroll an enrollment whose own set_stage moves the record out of its trigger stage', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Auto-qualify then follow up',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [
        { id: 'move', type: 'set_stage', config: { stageId: 'qualified' } },
        { id: 'task', type: 'create_task', config: { title: 'Qualified by automation' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(lines.map((line) => line.kind)).not.toContain('unenrolled');
    expect(lines.filter((line) => line.actionId).map((line) => `${line.kind}:${line.actionId}`)).toEqual([
      'action_completed:move',
      'action_completed:task',
    ]);
    expect((await stack.http.get(`/api/records/${recordId}`)).body.stageId).toBe('qualified');
    expect(await tasks(recordId)).toEqual([expect.objectContaining({ workflowId, title: 'Qualified by automation' })]);
    expect(await enrollments(workflowId, recordId)).toEqual([expect.objectContaining({ status: 'completed' })]);
  });

  it('enrolls a record once when re-enrollment is off, and again on a later entry when it is on', async () => {
    const pipelineId = await createDealPipeline(stack);
    const once = await createWorkflow(stack, {
      pipelineId,
      name: 'Once per deal',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Once' } }],
    });
    const every = await createWorkflow(stack, {
      pipelineId,
      name: 'Every time',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      enrollment: { reenroll: true },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Every time' } }],
    });
    await enableWorkflow(stack, once);
    await enableWorkflow(stack, every);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'enrollment_completed', once);
    await waitForTimeline(stack, recordId, 'enrollment_completed', every);

    await moveRecord(stack, recordId, 'new');
    await moveRecord(stack, recordId, 'qualified');

    const settled = await eventually(
      async () => {
        const current = await timeline(stack, recordId);
        const completedEvery = current.filter(
          (line) => line.kind === 'enrollment_completed' && line.workflowId === every,
        );
        const refusedOnce = current.some((line) => line.kind === 'not_enrolled' && line.workflowId === once);
        return completedEvery.length === 2 && refusedOnce ? current : undefined;
      },
      30_000,
      'the second entry to be decided by both workflows',
    );
    const onceLines = settled.filter((line) => line.workflowId === once);
    expect(onceLines.map((line) => line.kind)).toEqual([
      'enrolled',
      'action_completed',
      'enrollment_completed',
      'not_enrolled',
    ]);
    expect(onceLines[3]?.detail).toMatch(/re-enrollment is off/);
    expect(settled.filter((line) => line.workflowId === every && line.kind === 'enrolled')).toHaveLength(2);

    const titles = (await tasks(recordId)).map((task) => task.title).sort();
    expect(titles).toEqual(['Every time', 'Every time', 'Once']);
    expect((await enrollments(once, recordId)).map((enrollment) => enrollment.status)).toEqual(['completed']);
    expect((await enrollments(every, recordId)).map((enrollment) => enrollment.status)).toEqual([
      'completed',
      'completed',
    ]);
  });
  it('never enrolls a record twice at once, even with re-enrollment on', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Slow follow-up',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      enrollment: { reenroll: true },
      settings: { unenrollOnStageExit: false },
      actions: [
        { id: 'wait', type: 'delay', config: { for: '3s' } },
        { id: 'task', type: 'create_task', config: { title: 'Slow follow-up' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitingUntil(workflowId, recordId);

    await moveRecord(stack, recordId, 'new');
    await moveRecord(stack, recordId, 'qualified');

    const refused = await waitForTimeline(stack, recordId, 'not_enrolled', workflowId);
    expect(refused.find((line) => line.kind === 'not_enrolled')?.detail).toMatch(/still enrolled/);
    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(lines.filter((line) => line.kind === 'enrolled')).toHaveLength(1);
    expect(await tasks(recordId)).toEqual([expect.objectContaining({ title: 'Slow follow-up' })]);
    expect((await enrollments(workflowId, recordId)).map((enrollment) => enrollment.status)).toEqual(['completed']);
  });

  it('skips actions after a delay while the workflow is off, and runs them again once it is back on', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Wait then task',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        { id: 'wait', type: 'delay', config: { for: '2s' } },
        { id: 'task', type: 'create_task', config: { title: 'After the wait: {{record.id}}' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const offRecord = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitingUntil(workflowId, offRecord);

    const disabled = await stack.http.post(`/api/workflows/${workflowId}/disable`).send({});
    expect(disabled.body).toEqual({ enabled: false });

    const offLines = await waitForTimeline(stack, offRecord, 'enrollment_completed', workflowId);
    const skipped = offLines.filter((line) => line.actionId === 'task');
    expect(skipped).toEqual([expect.objectContaining({ kind: 'action_skipped' })]);
    expect(skipped[0]?.detail).toMatch(/workflow is off/);
    expect(offLines.map((line) => line.kind)).not.toContain('unenrolled');
    expect(await tasks(offRecord)).toEqual([]);

    await enableWorkflow(stack, workflowId);
    const onRecord = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    const onWakeAt = await waitingUntil(workflowId, onRecord);
    await stack.http.post(`/api/workflows/${workflowId}/disable`).send({}).expect(200);
    await enableWorkflow(stack, workflowId);
    expect(Date.now()).toBeLessThan(onWakeAt);

    const onLines = await waitForTimeline(stack, onRecord, 'enrollment_completed', workflowId);
    expect(onLines.filter((line) => line.actionId === 'task').map((line) => line.kind)).toEqual(['action_completed']);
    expect(await tasks(onRecord)).toEqual([
      expect.objectContaining({ workflowId, actionId: 'task', title: `After the wait: ${onRecord}` }),
    ]);
  });

  it('cancels every waiting enrollment when the workflow is turned off with unenroll', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Wait then task, cancellable',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        { id: 'wait', type: 'delay', config: { for: '3s' } },
        { id: 'task', type: 'create_task', config: { title: 'Should never exist' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordIds = [
      await createRecord(stack, { pipelineId, stageId: 'qualified' }),
      await createRecord(stack, { pipelineId, stageId: 'qualified' }),
    ];
    const wakeAts = await Promise.all(recordIds.map((recordId) => waitingUntil(workflowId, recordId)));

    const disabled = await stack.http.post(`/api/workflows/${workflowId}/disable`).send({ unenroll: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({ enabled: false });
    expect(Date.now()).toBeLessThan(Math.min(...wakeAts));

    for (const recordId of recordIds) {
      const lines = await waitForTimeline(stack, recordId, 'unenrolled', workflowId);
      expect(lines.find((line) => line.kind === 'unenrolled')?.detail).toMatch(/turned off/);
    }
    const cancelled = await eventually(async () => {
      const res = await stack.http.get(`/api/workflows/${workflowId}/enrollments?status=cancelled`);
      return res.body.items.length === 2 ? res.body.items : undefined;
    });
    expect(cancelled.map((enrollment: EnrollmentRow) => enrollment.recordId).sort()).toEqual([...recordIds].sort());

    await passWakeUp(Math.max(...wakeAts));
    for (const recordId of recordIds) {
      const lines = await timeline(stack, recordId);
      expect(lines.filter((line) => line.actionId === 'task')).toEqual([]);
      expect(await tasks(recordId)).toEqual([]);
      expect((await enrollments(workflowId, recordId)).map((enrollment) => enrollment.status)).toEqual(['cancelled']);
    }
  });

  it('stops two workflows that keep moving a record back and forth with the loop guard', async () => {
    const pipelineId = await createDealPipeline(stack);
    const forward = await createWorkflow(stack, {
      pipelineId,
      name: 'Qualify new deals',
      trigger: { type: 'stage_entered', stageId: 'new' },
      enrollment: { reenroll: true },
      actions: [{ id: 'forward', type: 'set_stage', config: { stageId: 'qualified' } }],
    });
    const back = await createWorkflow(stack, {
      pipelineId,
      name: 'Send qualified deals back',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      enrollment: { reenroll: true },
      actions: [{ id: 'back', type: 'set_stage', config: { stageId: 'new' } }],
    });
    await enableWorkflow(stack, forward);
    await enableWorkflow(stack, back);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });

    const lines = await waitForLine(
      recordId,
      'a loop-guard "not_enrolled" line',
      (line) => line.kind === 'not_enrolled' && /loop/.test(line.detail),
    );
    const enrolledAtStop = lines.filter((line) => line.kind === 'enrolled').length;
    expect(enrolledAtStop).toBeGreaterThanOrEqual(2);
    expect(enrolledAtStop).toBeLessThanOrEqual(12);

    await sleep(2_500);
    const later = await timeline(stack, recordId);
    const enrolledLater = later.filter((line) => line.kind === 'enrolled').length;
    expect({ enrolled: enrolledLater, lines: describeLines(later) }).toEqual({
      enrolled: enrolledAtStop,
      lines: expect.any(Array),
    });
    for (const workflowId of [forward, back]) {
      const statuses = (await stack.http.get(`/api/workflows/${workflowId}/enrollments`)).body.items.map(
        (enrollment: EnrollmentRow) => enrollment.status,
      );
      expect(statuses.filter((status: string) => status === 'running' || status === 'waiting')).toEqual([]);
    }
  });
});
