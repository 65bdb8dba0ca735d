import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  taskTitles,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/stack';

const task = (id: string, title: string) => ({ id, type: 'create_task', config: { title } });

describe('branches, delays and execution windows', () => {
  let stack: TestStack;
  let pipelineId: string;
  beforeAll(async () => {
    stack = await startTestStack();
    pipelineId = await createDealPipeline(stack);
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('branch_if reads a fresh snapshot: a property set earlier in the same enrollment decides the branch', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Tiering',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        { id: 'tier', type: 'set_property', config: { property: 'tier', value: 'gold' } },
        {
          id: 'is-gold',
          type: 'branch_if',
          config: {
            conditions: {
              all: [{ property: 'tier', operator: 'eq', value: 'GOLD' }],
              any: [{ property: 'amount', operator: 'gt', value: 1000 }],
            },
            then: [task('vip', 'VIP call')],
            else: [task('std', 'Standard call')],
          },
        },
        task('after', 'After the branch'),
      ],
    });
    await enableWorkflow(stack, workflowId);
    const rich = await createRecord(stack, { pipelineId, stageId: 'qualified', properties: { amount: '5000' } });
    const poor = await createRecord(stack, { pipelineId, stageId: 'qualified', properties: { amount: 10 } });

    const richLines = await waitForTimeline(stack, rich, 'enrollment_completed');
    await waitForTimeline(stack, poor, 'enrollment_completed');
    expect(await taskTitles(stack, rich)).toEqual(['VIP call', 'After the branch']);
    expect(await taskTitles(stack, poor)).toEqual(['Standard call', 'After the branch']);
    expect(richLines.find((line) => line.actionId === 'is-gold')?.detail).toMatch(/conditions met.*then/);
  });

  it('branch_value takes the matching case or the default, and branch_random takes exactly one split', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Routing',
      trigger: { type: 'stage_entered', stageId: 'won' },
      actions: [
        {
          id: 'by-region',
          type: 'branch_value',
          config: {
            property: 'region',
            cases: [
              { values: ['emea', 'apac'], actions: [task('intl', 'International')] },
              { values: ['us'], actions: [task('us', 'Domestic')] },
            ],
            default: [task('unknown', 'Region unknown')],
          },
        },
        {
          id: 'ab',
          type: 'branch_random',
          config: {
            splits: [
              { percent: 50, actions: [task('a', 'Variant A')] },
              { percent: 50, actions: [task('b', 'Variant B')] },
            ],
          },
        },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const emea = await createRecord(stack, { pipelineId, stageId: 'won', properties: { region: 'EMEA' } });
    const nowhere = await createRecord(stack, { pipelineId, stageId: 'won' });

    const lines = await waitForTimeline(stack, emea, 'enrollment_completed');
    await waitForTimeline(stack, nowhere, 'enrollment_completed');
    const emeaTasks = await taskTitles(stack, emea);
    expect(emeaTasks[0]).toBe('International');
    expect(emeaTasks.slice(1)).toEqual([expect.stringMatching(/^Variant [AB]$/)]);
    expect((await taskTitles(stack, nowhere))[0]).toBe('Region unknown');
    expect(lines.find((line) => line.actionId === 'ab')?.detail).toMatch(/took split [12] \(50 %\)/);
  });

  it('waits until a date property plus an offset, and continues at once when the moment is past', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Before the renewal',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [
        { id: 'wait', type: 'delay', config: { until: { property: 'renewsAt', offset: '-1d' } } },
        task('remind', 'Renewal reminder'),
      ],
    });
    await enableWorkflow(stack, workflowId);
    const soon = new Date(Date.now() + 86_400_000 + 3_000).toISOString();
    const waiting = await createRecord(stack, { pipelineId, stageId: 'new', properties: { renewsAt: soon } });
    const past = await createRecord(stack, {
      pipelineId,
      stageId: 'new',
      properties: { renewsAt: '2001-01-01T00:00:00Z' },
    });

    const pastLines = await waitForTimeline(stack, past, 'enrollment_completed');
    expect(pastLines.find((line) => line.actionId === 'wait')?.detail).toMatch(/already past/);
    const [enrollment] = await eventually(async () => {
      const res = await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${waiting}&status=waiting`);
      return res.body.items.length > 0 ? res.body.items : undefined;
    });
    expect(Math.abs(Date.parse(enrollment.wakeAt) - (Date.parse(soon) - 86_400_000))).toBeLessThan(1_000);
    expect(await taskTitles(stack, waiting)).toEqual([]);
    await waitForTimeline(stack, waiting, 'enrollment_completed');
    expect(await taskTitles(stack, waiting)).toEqual(['Renewal reminder']);
  });

  it('holds an action reached outside the execution window until it opens, without moving branches', async () => {
    const now = new Date();
    // A window that opened and closed earlier today (UTC), so the next opening is tomorrow or later.
    const hour = now.getUTCHours();
    const start = hour >= 2 ? '00:00' : '22:00';
    const end = hour >= 2 ? '01:00' : '23:00';
    const officePipeline = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId: officePipeline,
      name: 'Office hours',
      trigger: { type: 'stage_entered', stageId: 'new' },
      settings: {
        unenrollOnStageExit: true,
        executionWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start, end, timezone: 'UTC' },
      },
      actions: [
        {
          id: 'check',
          type: 'branch_if',
          config: {
            conditions: { all: [{ property: 'stageId', operator: 'eq', value: 'new' }] },
            then: [task('call', 'Call in office hours')],
            else: [],
          },
        },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId: officePipeline, stageId: 'new' });

    const lines = await waitForTimeline(stack, recordId, 'waiting_for_window');
    expect(lines.find((line) => line.actionId === 'check')?.kind).toBe('action_completed');
    const [enrollment] = (await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`)).body
      .items;
    expect(enrollment).toMatchObject({ status: 'waiting', currentActionId: 'call' });
    const wakeAt = new Date(enrollment.wakeAt);
    expect(wakeAt.getTime()).toBeGreaterThan(now.getTime());
    expect(wakeAt.toISOString().slice(11, 16)).toBe(start);
    expect(await taskTitles(stack, recordId)).toEqual([]);
  });
});
