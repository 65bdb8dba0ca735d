import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  timeline,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/stack';

describe('a stage automation, end to end over HTTP', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('creates the task, emails the team through SMTP, sets the property and explains it in the timeline', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Follow up qualified deals',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        {
          id: 'task',
          type: 'create_task',
          config: { title: 'Call {{record.properties.company}}', dueIn: '2d', assignTo: 'owner' },
        },
        {
          id: 'notify',
          type: 'send_internal_notification',
          config: {
            to: { users: ['sales@example.com'], owner: true },
            subject: '{{record.properties.company}} is qualified',
            body: 'Deal {{record.id}} is now in {{record.stageId}}.',
          },
        },
        { id: 'mark', type: 'set_property', config: { property: 'followUp', value: 'scheduled' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, {
      pipelineId,
      stageId: 'new',
      ownerId: 'ann@example.com',
      properties: { company: 'Acme' },
    });
    await moveRecord(stack, recordId, 'qualified');

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed');
    expect(lines.map((line) => [line.kind, line.actionId])).toEqual([
      ['stage_entered', undefined],
      ['stage_entered', undefined],
      ['enrolled', undefined],
      ['action_completed', 'task'],
      ['action_completed', 'notify'],
      ['property_changed', undefined],
      ['action_completed', 'mark'],
      ['enrollment_completed', undefined],
    ]);

    const tasks = await stack.http.get(`/api/tasks?recordId=${recordId}`);
    expect(tasks.body.items).toEqual([
      expect.objectContaining({
        recordId,
        workflowId,
        actionId: 'task',
        title: 'Call Acme',
        assignee: 'ann@example.com',
      }),
    ]);
    const dueInMs = Date.parse(tasks.body.items[0].dueAt) - Date.parse(tasks.body.items[0].createdAt);
    expect(Math.abs(dueInMs - 2 * 86_400_000)).toBeLessThan(60_000);

    const received = await stack.sink.waitFor(
      (message) => message.to.includes('sales@example.com') && message.subject === 'Acme is qualified',
    );
    expect(received.text).toContain(`Deal ${recordId} is now in qualified.`);
    await stack.sink.waitFor(
      (message) => message.to.includes('ann@example.com') && message.subject === 'Acme is qualified',
    );
    const emails = await stack.http.get(`/api/emails?recordId=${recordId}`);
    expect(emails.body.items.map((email: { to: string }) => email.to).sort()).toEqual([
      'ann@example.com',
      'sales@example.com',
    ]);
    expect(emails.body.items.map((email: { messageId: string }) => email.messageId)).toContain(received.messageId);

    const record = await stack.http.get(`/api/records/${recordId}`);
    expect(record.body.properties).toEqual({ company: 'Acme', followUp: 'scheduled' });
    expect(lines.find((line) => line.kind === 'property_changed')?.detail).toBe(
      'property "followUp" changed: not set → "scheduled" (set by workflow "Follow up qualified deals")',
    );

    const enrollments = await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`);
    expect(enrollments.body.items).toEqual([expect.objectContaining({ recordId, status: 'completed' })]);
  });

  it('does not enroll records while the workflow is off, and says why in the timeline', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Celebrate wins',
      trigger: { type: 'stage_entered', stageId: 'won' },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Send a gift' } }],
    });
    const recordId = await createRecord(stack, { pipelineId, stageId: 'won' });

    const lines = await waitForTimeline(stack, recordId, 'not_enrolled', workflowId);
    expect(lines.find((line) => line.kind === 'not_enrolled')?.detail).toMatch(/workflow is off/);
    expect((await stack.http.get(`/api/tasks?recordId=${recordId}`)).body.items).toEqual([]);
  });

  it('stops new enrollments once disable returns, records who toggled it, and enrolls again after enable', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Qualified checklist',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Checklist for {{record.id}}' } }],
    });
    await enableWorkflow(stack, workflowId);
    const disabled = await stack.http.post(`/api/workflows/${workflowId}/disable`).send({});
    expect(disabled.body).toEqual({ enabled: false });

    const offRecord = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    const offLines = await waitForTimeline(stack, offRecord, 'not_enrolled', workflowId);
    expect(offLines.some((line) => line.kind === 'enrolled')).toBe(false);

    await enableWorkflow(stack, workflowId);
    const onRecord = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, onRecord, 'enrollment_completed', workflowId);
    const tasks = await stack.http.get('/api/tasks');
    const titles = tasks.body.items.map((task: { title: string }) => task.title);
    expect(titles).toContain(`Checklist for ${onRecord}`);
    expect(titles).not.toContain(`Checklist for ${offRecord}`);

    const revisions = await stack.http.get(`/api/workflows/${workflowId}/revisions`);
    expect(revisions.body.items.map((revision: { change: { type: string } }) => revision.change.type)).toEqual([
      'created',
      'enabled',
      'disabled',
      'enabled',
    ]);
    expect(revisions.body.items.every((revision: { by: string }) => revision.by === 'admin')).toBe(true);
  });

  it('lets set_stage move the record and fire the workflows of the next stage', async () => {
    const pipelineId = await createDealPipeline(stack);
    const promote = await createWorkflow(stack, {
      pipelineId,
      name: 'Auto-qualify',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [{ id: 'move', type: 'set_stage', config: { stageId: 'qualified' } }],
    });
    const follow = await createWorkflow(stack, {
      pipelineId,
      name: 'Qualified task',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Qualified: {{record.id}}' } }],
    });
    await enableWorkflow(stack, promote);
    await enableWorkflow(stack, follow);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });

    await waitForTimeline(stack, recordId, 'enrollment_completed', follow);
    const record = await stack.http.get(`/api/records/${recordId}`);
    expect(record.body.stageId).toBe('qualified');
    const tasks = await eventually(async () => {
      const res = await stack.http.get(`/api/tasks?recordId=${recordId}`);
      return res.body.items.length > 0 ? res.body.items : undefined;
    });
    expect(tasks).toEqual([expect.objectContaining({ title: `Qualified: ${recordId}`, workflowId: follow })]);
    const kinds = (await timeline(stack, recordId)).map((line) => line.kind);
    expect(kinds.filter((kind) => kind === 'stage_entered')).toHaveLength(2);
  });
});
