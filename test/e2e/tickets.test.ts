import {
  createDealPipeline,
  createRecord,
  createStatusWorkflows,
  createTicketPipeline,
  createWorkflow,
  enableWorkflow,
  postEmail,
  timeline,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/stack';

describe('ticket status automations driven by emails', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  const email = (ticketId: string, fields: Record<string, unknown>) => postEmail(stack, ticketId, fields);
  const stageOf = async (id: string) => (await stack.http.get(`/api/records/${id}`)).body.stageId as string;
  const waitForStage = (id: string, stageId: string) =>
    eventually(async () => ((await stageOf(id)) === stageId ? true : undefined), 20_000, `ticket ${id} in ${stageId}`);

  it('moves the ticket when an email is sent from it or the customer replies, and explains ignored emails', async () => {
    const pipelineId = await createTicketPipeline(stack);
    const { sent, replied } = await createStatusWorkflows(stack, pipelineId);
    await enableWorkflow(stack, sent);
    await enableWorkflow(stack, replied);
    const ticket = await createRecord(stack, {
      pipelineId,
      stageId: 'new',
      properties: { threadId: 'origin-thread' },
      contacts: [{ email: 'Customer@Example.com' }],
    });

    const outbound = await email(ticket, {
      direction: 'outbound',
      from: 'agent@example.com',
      to: 'customer@example.com',
    });
    expect(outbound.status).toBe(202);
    expect(outbound.body).toEqual({ eventId: expect.any(String), classification: 'email_sent_to_customer' });
    await waitForStage(ticket, 'waiting');

    const fromContactRecord = await email(ticket, {
      direction: 'outbound',
      channel: 'contact_record',
      from: 'agent@example.com',
    });
    expect(fromContactRecord.body.classification).toMatch(/^ignored:/);
    const forwarded = await email(ticket, { forwarded: true });
    expect(forwarded.body.classification).toMatch(/^ignored:/);
    const elsewhere = await email(ticket, { threadId: 'some-other-thread' });
    expect(elsewhere.body.classification).toBe('ignored:not_on_ticket_thread');
    const personal = await email(ticket, {
      direction: 'outbound',
      channel: 'personal_inbox',
      from: 'agent@example.com',
    });
    expect(personal.body.classification).toBe('ignored:sent_from_personal_inbox');
    const forwardOut = await email(ticket, {
      direction: 'outbound',
      forwarded: true,
      threadId: 'fwd-thread',
      from: 'agent@example.com',
    });
    expect(forwardOut.body.classification).toBe('ignored:forwarded');
    const replyToForward = await email(ticket, { threadId: 'fwd-thread' });
    expect(replyToForward.body.classification).toBe('ignored:reply_to_forward');
    const stranger = await email(ticket, { from: 'someone-else@example.com' });
    expect(stranger.body.classification).toBe('ignored:not_from_contact');
    expect(fromContactRecord.body.classification).toBe('ignored:sent_from_contact_record');
    expect(forwarded.body.classification).toBe('ignored:forwarded');
    expect(await stageOf(ticket)).toBe('waiting');

    const reply = await email(ticket, {});
    expect(reply.body.classification).toBe('customer_replied');
    await waitForStage(ticket, 'new');

    const lines = (await timeline(stack, ticket)).filter((line) => line.kind === 'email_received');
    expect(lines).toHaveLength(9);
    expect(lines.filter((line) => /ignored by ticket automations/.test(line.detail))).toHaveLength(7);
  });

  it('answers a repeated Idempotency-Key with the first result and acts once', async () => {
    const pipelineId = await createTicketPipeline(stack);
    const ticket = await createRecord(stack, {
      pipelineId,
      stageId: 'new',
      properties: { threadId: 'origin-thread' },
      contacts: [{ email: 'customer@example.com' }],
    });
    const body = {
      ticketId: ticket,
      messageId: 'm-1',
      threadId: 'origin-thread',
      direction: 'inbound',
      from: 'customer@example.com',
      to: 'support@example.com',
    };
    const first = await stack.http.post('/api/events/email').set('Idempotency-Key', `${ticket}-1`).send(body);
    const again = await stack.http.post('/api/events/email').set('Idempotency-Key', `${ticket}-1`).send(body);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const received = (await timeline(stack, ticket)).filter((line) => line.kind === 'email_received');
    expect(received).toHaveLength(1);
  });

  it('always reopens a closed ticket on a customer reply, firing the status workflows of the first open status', async () => {
    const pipelineId = await createTicketPipeline(stack);
    const onNew = await createWorkflow(stack, {
      pipelineId,
      name: 'Acknowledge',
      trigger: { type: 'stage_entered', stageId: 'new' },
      enrollment: { reenroll: true },
      actions: [
        { id: 'ack', type: 'send_email', config: { template: 'ticket_received' } },
        {
          id: 'team',
          type: 'send_internal_notification',
          config: {
            to: { users: ['support-team@example.com'] },
            subject: 'Ticket {{record.id}} is open',
            body: 'Have a look.',
          },
        },
      ],
    });
    await enableWorkflow(stack, onNew);
    const ticket = await createRecord(stack, {
      pipelineId,
      stageId: 'closed',
      properties: { threadId: 'origin-thread' },
      contacts: [{ email: 'customer@example.com' }],
    });

    const reply = await email(ticket, {});
    expect(reply.status).toBe(202);
    await waitForStage(ticket, 'new');
    const lines = await waitForTimeline(stack, ticket, 'enrollment_completed', onNew);
    expect(lines.find((line) => line.kind === 'status_changed')?.detail).toMatch(/reopened/);
    await stack.sink.waitFor(
      (message) => message.to.includes('customer@example.com') && message.subject.includes(ticket),
    );
    await stack.sink.waitFor(
      (message) => message.to.includes('support-team@example.com') && message.subject === `Ticket ${ticket} is open`,
    );

    // After the reopen, a thread the ticket starts counts for customer replies; before it, a new thread does not.
    const newThread = await email(ticket, {
      direction: 'outbound',
      threadId: 'after-reopen',
      from: 'agent@example.com',
    });
    expect(newThread.body.classification).toBe('email_sent_to_customer');
    expect((await email(ticket, { threadId: 'after-reopen' })).body.classification).toBe('customer_replied');

    // A reply on a thread the ticket does not know does not reopen it.
    await stack.http.patch(`/api/records/${ticket}`).send({ stageId: 'closed' }).expect(200);
    const stray = await email(ticket, { threadId: 'unknown-thread' });
    expect(stray.body.classification).toMatch(/^ignored:/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await stageOf(ticket)).toBe('closed');
  });

  it('does not enroll chat and messenger tickets unless the workflow includes their source', async () => {
    const pipelineId = await createTicketPipeline(stack);
    const plain = await createWorkflow(stack, {
      pipelineId,
      name: 'Email tickets only',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [{ id: 't', type: 'create_task', config: { title: 'Triage' } }],
    });
    const withChat = await createWorkflow(stack, {
      pipelineId,
      name: 'Chat too',
      trigger: { type: 'stage_entered', stageId: 'new' },
      enrollment: { reenroll: false, includeSources: ['chat'] },
      actions: [{ id: 't', type: 'create_task', config: { title: 'Triage chat' } }],
    });
    await enableWorkflow(stack, plain);
    await enableWorkflow(stack, withChat);
    const ticket = await createRecord(stack, { pipelineId, stageId: 'new', source: 'chat' });

    const lines = await waitForTimeline(stack, ticket, 'enrollment_completed', withChat);
    const refused = await waitForTimeline(stack, ticket, 'not_enrolled', plain);
    expect(refused.find((line) => line.kind === 'not_enrolled' && line.workflowId === plain)?.detail).toMatch(/chat/);
    expect(lines.some((line) => line.kind === 'enrolled' && line.workflowId === withChat)).toBe(true);
    const tasks = await stack.http.get(`/api/tasks?recordId=${ticket}`);
    expect(tasks.body.items.map((task: { title: string }) => task.title)).toEqual(['Triage chat']);
  });

  it('rejects email events for unknown tickets and for records that are not tickets', async () => {
    expect((await email('no-such-ticket', {})).status).toBe(404);
    const deal = await createRecord(stack, { pipelineId: await createDealPipeline(stack), stageId: 'new' });
    const notTicket = await email(deal, {});
    expect(notTicket.status).toBe(422);
    expect(notTicket.body.errors[0].path).toBe('body.ticketId');
    const bad = await stack.http.post('/api/events/email').send({ ticketId: 'x', direction: 'sideways' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining(['body.direction', 'body.messageId']),
    );
  });
});
