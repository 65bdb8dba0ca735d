import { DateTime } from 'luxon';
import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  taskTitles,
  type TimelineLine,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

/**
 * A zone whose clock is well inside its day now, so that "today" there stays today for the whole test, and its
 * today, tomorrow and the start of the day after, when an action reached today may run.
 */
function pausedDays(): { timezone: string; today: string; tomorrow: string; resumesAt: string } {
  const now = DateTime.now();
  const timezone = ['America/New_York', 'Asia/Tokyo', 'Europe/London'].find((zone) => {
    const { hour } = now.setZone(zone);
    return hour >= 1 && hour <= 22;
  })!;
  const today = now.setZone(timezone).startOf('day');
  return {
    timezone,
    today: today.toISODate()!,
    tomorrow: today.plus({ days: 1 }).toISODate()!,
    resumesAt: today.plus({ days: 2 }).toUTC().toISO()!,
  };
}

interface Enrollment {
  status: string;
  currentActionId?: string;
  wakeAt?: string;
}

describe('pause dates', () => {
  let stack: TestStack;
  let pipelineId: string;
  beforeAll(async () => {
    stack = await startTestStack();
    pipelineId = await createDealPipeline(stack);
  });
  afterAll(async () => {
    await stack.stop();
  });

  const enrollmentOf = (workflowId: string, recordId: string) =>
    eventually(async () => {
      const res = await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`);
      const [enrollment] = res.body.items as Enrollment[];
      return enrollment?.status === 'waiting' ? enrollment : undefined;
    });

  it('holds an action reached on a pause date until the start of the next day that is not one, and the test run says so', async () => {
    const { timezone, today, tomorrow, resumesAt } = pausedDays();
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Not on holidays',
      trigger: { type: 'stage_entered', stageId: 'new' },
      settings: { pauseDates: { dates: [tomorrow, today, tomorrow], timezone } },
      actions: [{ id: 'call', type: 'create_task', config: { title: 'Call after the holidays' } }],
    });
    const stored = await stack.http.get(`/api/workflows/${workflowId}`);
    expect(stored.body.settings.pauseDates).toEqual({ dates: [today, tomorrow], timezone });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });

    const detail = `on a pause date (${today}): waiting until ${resumesAt}`;
    const lines = await waitForTimeline(stack, recordId, 'waiting_for_pause_date');
    expect(lines.find((line) => line.kind === 'waiting_for_pause_date')).toMatchObject({ actionId: 'call', detail });
    expect(await enrollmentOf(workflowId, recordId)).toMatchObject({
      status: 'waiting',
      currentActionId: 'call',
      wakeAt: resumesAt,
    });
    expect(await taskTitles(stack, recordId)).toEqual([]);

    const testRun = await stack.http.post(`/api/workflows/${workflowId}/test`).send({ recordId });
    expect(testRun.status).toBe(200);
    expect(testRun.body.steps).toEqual([
      { actionId: 'call', type: 'create_task', outcome: 'wait', detail, wakeAt: resumesAt },
      {
        actionId: 'call',
        type: 'create_task',
        outcome: 'run',
        detail: expect.stringContaining('Call after the holidays'),
      },
    ]);
  });

  it('does not move a delay: it ends as usual, then the action after it waits for the pause date to pass', async () => {
    const { timezone, today } = pausedDays();
    const delayPipeline = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId: delayPipeline,
      name: 'Delay, then not today',
      trigger: { type: 'stage_entered', stageId: 'new' },
      settings: { pauseDates: { dates: [today], timezone } },
      actions: [
        { id: 'pause', type: 'delay', config: { for: '1s' } },
        { id: 'call', type: 'create_task', config: { title: 'Call tomorrow' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId: delayPipeline, stageId: 'new' });

    const lines = await waitForTimeline(stack, recordId, 'waiting_for_pause_date');
    const ofWorkflow = (line: TimelineLine) => line.workflowId === workflowId;
    const delay = lines.find((line) => ofWorkflow(line) && line.kind === 'delay_started');
    // The delay kept its own end, today, on the pause date.
    const delayEnd = /waiting until (\S+)$/.exec(delay?.detail ?? '')?.[1];
    expect(DateTime.fromISO(delayEnd!, { zone: timezone }).toISODate()).toBe(today);
    const resumesTomorrow = DateTime.fromISO(today, { zone: timezone }).plus({ days: 1 }).toUTC().toISO();
    expect(lines.find((line) => ofWorkflow(line) && line.kind === 'waiting_for_pause_date')).toMatchObject({
      actionId: 'call',
      detail: `on a pause date (${today}): waiting until ${resumesTomorrow}`,
    });
    expect(await enrollmentOf(workflowId, recordId)).toMatchObject({
      currentActionId: 'call',
      wakeAt: resumesTomorrow,
    });
    expect(await taskTitles(stack, recordId)).toEqual([]);
  });

  it('refuses a date that is not a calendar date and a zone that is not one, naming the field', async () => {
    const base = { pipelineId, name: 'Bad dates', trigger: { type: 'stage_entered', stageId: 'new' } };
    const badDate = await stack.http.post('/api/workflows').send({
      ...base,
      id: unique('wf'),
      settings: { pauseDates: { dates: ['2026-12-25', '2026-02-30'], timezone: 'UTC' } },
    });
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors).toEqual([
      {
        path: 'body.settings.pauseDates.dates[1]',
        message: '"2026-02-30" is not a calendar date; use YYYY-MM-DD, e.g. 2026-12-25',
      },
    ]);

    const workflowId = await createWorkflow(stack, base);
    const badZone = await stack.http
      .patch(`/api/workflows/${workflowId}`)
      .send({ settings: { pauseDates: { dates: ['2026-12-25'], timezone: 'Europe/Atlantis' } } });
    expect(badZone.status).toBe(400);
    expect(badZone.body.errors).toEqual([
      {
        path: 'body.settings.pauseDates.timezone',
        message: '"Europe/Atlantis" is not an IANA time zone; use a name such as Europe/Berlin or America/New_York',
      },
    ]);
  });

  it('enable refuses a stored definition whose pause dates could not be scheduled, naming the path', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Stored before the check',
      trigger: { type: 'stage_entered', stageId: 'new' },
    });
    await stack.pool.query(
      `UPDATE workflows SET settings = settings || '{"pauseDates": {"dates": ["2026-02-30"], "timezone": "UTC"}}' WHERE id = $1`,
      [workflowId],
    );
    const res = await stack.http.post(`/api/workflows/${workflowId}/enable`);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      {
        path: 'settings.pauseDates.dates[0]',
        message: '"2026-02-30" is not a calendar date; use YYYY-MM-DD, e.g. 2026-12-25',
      },
    ]);
  });

  it('a PATCH with pauseDates: null removes them and keeps the other settings', async () => {
    const pauseDates = { dates: ['2031-12-25'], timezone: 'Europe/Berlin' };
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Holidays, then none',
      trigger: { type: 'stage_entered', stageId: 'new' },
      settings: { unenrollOnStageExit: false, pauseDates },
    });
    const path = `/api/workflows/${workflowId}`;
    expect((await stack.http.get(path)).body.settings).toEqual({ unenrollOnStageExit: false, shards: 1, pauseDates });
    const removed = await stack.http.patch(path).send({ settings: { pauseDates: null } });
    expect(removed.status).toBe(200);
    expect(removed.body.settings).toEqual({ unenrollOnStageExit: false, shards: 1 });
    expect((await stack.http.get(path)).body.settings).toEqual({ unenrollOnStageExit: false, shards: 1 });
  });
});
