import supertest from 'supertest';
import {
  createDealPipeline,
  createRecord,
  createStatusWorkflows,
  createTicketPipeline,
  createWorkflow,
  enableWorkflow,
  postEmail,
  timeline,
  type TimelineLine,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/stack';

const CUSTOMER = 'customer@example.com';

describe('ticket-status automations act on every email', () => {
  let stack: TestStack;
  const tokens: Record<'viewer' | 'integration' | 'editor', string> = { viewer: '', integration: '', editor: '' };
  beforeAll(async () => {
    stack = await startTestStack();
    for (const [key, role] of [
      ['viewer', 'viewer'],
      ['integration', 'integration'],
      ['editor', 'workflow_editor'],
    ] as const) {
      const res = await stack.http.post('/api/tokens').send({ name: `${key} token`, role });
      expect(res.status).toBe(201);
      tokens[key] = res.body.token;
    }
  });
  afterAll(async () => {
    await stack.stop();
  });

  const as = (token: string) => {
    const agent = supertest(stack.api.url);
    return {
      get: (path: string) => agent.get(path).set('Authorization', `Bearer ${token}`),
      put: (path: string) => agent.put(path).set('Authorization', `Bearer ${token}`),
    };
  };
  const settingPath = (pipelineId: string) => `/api/pipelines/${pipelineId}/ticket-status-automation`;
  /** Both templated automations on: sent to the customer → waiting, replied → new. */
  const tickBoth = (pipelineId: string) =>
    stack.http
      .put(settingPath(pipelineId))
      .send({
        emailSentToCustomer: { enabled: true, stageId: 'waiting' },
        customerReplied: { enabled: true, stageId: 'new' },
      })
      .expect(200);

  /** An email on the ticket's thread (by default the customer's reply), accepted. */
  const email = async (ticketId: string, fields: Record<string, unknown> = {}) => {
    const res = await postEmail(stack, ticketId, fields);
    expect(res.status).toBe(202);
    return res.body as { eventId: string; classification: string };
  };
  const agentEmail = { direction: 'outbound', from: 'agent@example.com', to: CUSTOMER };
  const stageOf = async (id: string) => (await stack.http.get(`/api/records/${id}`)).body.stageId as string;
  const linesOf = async (id: string, kind: string) => (await timeline(stack, id)).filter((line) => line.kind === kind);
  const createTicket = (pipelineId: string, stageId: string) =>
    createRecord(stack, {
      pipelineId,
      stageId,
      properties: { threadId: 'origin-thread' },
      contacts: [{ email: CUSTOMER }],
    });

  /** Waits until the ticket has `count` timeline lines of `kind`, then returns the timeline. */
  const waitForLines = (id: string, kind: string, count: number) =>
    eventually(
      async () => {
        const lines = await timeline(stack, id);
        return lines.filter((line) => line.kind === kind).length >= count ? lines : undefined;
      },
      30_000,
      `${count} "${kind}" lines on ${id}`,
    );

  /**
   * Three customer replies on the ticket's thread with an agent's email between each: every one moves the ticket,
   * checked after each email (the ticket starts in "waiting", so each email changes its status).
   */
  async function converse(ticket: string): Promise<TimelineLine[]> {
    const steps = [
      [{}, 'customer_replied', 'new'],
      [agentEmail, 'email_sent_to_customer', 'waiting'],
      [{}, 'customer_replied', 'new'],
      [agentEmail, 'email_sent_to_customer', 'waiting'],
      [{}, 'customer_replied', 'new'],
    ] as const;
    const before = (await linesOf(ticket, 'status_changed')).length;
    let lines: TimelineLine[] = [];
    for (const [index, [fields, classification, stage]] of steps.entries()) {
      expect((await email(ticket, fields)).classification).toBe(classification);
      lines = await waitForLines(ticket, 'status_changed', before + index + 1);
      expect({ step: index + 1, stage: await stageOf(ticket) }).toEqual({ step: index + 1, stage });
    }
    return lines;
  }

  it('moves the ticket on every email with the templated setting, says why when nothing changes, and stops when unticked', async () => {
    const pipelineId = await createTicketPipeline(stack);
    const initial = await stack.http.get(settingPath(pipelineId));
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({
      emailSentToCustomer: { enabled: false, stageId: null, workflowId: expect.any(String) },
      customerReplied: { enabled: false, stageId: null, workflowId: expect.any(String) },
    });
    const put = await as(tokens.editor)
      .put(settingPath(pipelineId))
      .send({
        emailSentToCustomer: { enabled: true, stageId: 'waiting' },
        customerReplied: { enabled: true, stageId: 'new' },
      });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      emailSentToCustomer: {
        enabled: true,
        stageId: 'waiting',
        workflowId: initial.body.emailSentToCustomer.workflowId,
      },
      customerReplied: { enabled: true, stageId: 'new', workflowId: initial.body.customerReplied.workflowId },
    });
    expect((await stack.http.get(settingPath(pipelineId))).body).toEqual(put.body);

    const ticket = await createTicket(pipelineId, 'waiting');
    const lines = await converse(ticket);
    const changes = lines.filter((line) => line.kind === 'status_changed').map((line) => line.detail);
    expect(changes).toEqual([
      expect.stringMatching(/^status "waiting" → "new", set by the templated automation "Customer replied" for email/),
      expect.stringMatching(/^status "new" → "waiting", set by the templated automation "Email sent to customer"/),
      expect.stringMatching(/"waiting" → "new", set by the templated automation "Customer replied"/),
      expect.stringMatching(/"new" → "waiting", set by the templated automation "Email sent to customer"/),
      expect.stringMatching(/"waiting" → "new", set by the templated automation "Customer replied"/),
    ]);
    expect(lines.filter((line) => line.kind === 'not_enrolled')).toEqual([]);

    // A reply while the ticket is already in the chosen status changes nothing, and says so.
    await email(ticket);
    const already = await eventually(async () =>
      (await linesOf(ticket, 'action_completed')).find((line) => /already in "new"/.test(line.detail)),
    );
    expect(already.detail).toBe('status unchanged: the ticket is already in "new"');
    expect(already.workflowId).toBe(put.body.customerReplied.workflowId);

    // Unticked: the next reply changes nothing, and the timeline says the templated automation is off.
    const off = await stack.http.put(settingPath(pipelineId)).send({ customerReplied: { enabled: false } });
    expect(off.body.customerReplied).toEqual({ ...put.body.customerReplied, enabled: false });
    expect(off.body.emailSentToCustomer).toEqual(put.body.emailSentToCustomer);
    await email(ticket, agentEmail);
    await waitForLines(ticket, 'status_changed', 6);
    expect(await stageOf(ticket)).toBe('waiting');
    await email(ticket);
    const offLine = await eventually(async () =>
      (await linesOf(ticket, 'not_enrolled')).find((line) => line.workflowId === put.body.customerReplied.workflowId),
    );
    expect(offLine.detail).toBe('status unchanged: the templated automation "Customer replied" is off');
    expect(await stageOf(ticket)).toBe('waiting');

    // Each change is in the automation's revision log, with who made it and when.
    const revisions = await stack.http.get(`/api/workflows/${put.body.customerReplied.workflowId}/revisions`);
    expect(revisions.body.items).toEqual([
      expect.objectContaining({ version: 1, change: { type: 'created' } }),
      {
        version: 2,
        at: expect.any(String),
        by: 'editor token',
        change: { type: 'ticket_status_automation', enabled: true, stageId: 'new' },
      },
      {
        version: 3,
        at: expect.any(String),
        by: 'admin',
        change: { type: 'ticket_status_automation', enabled: false, stageId: 'new' },
      },
    ]);
  });

  it('moves the ticket on every email with ticket_email workflows, which re-enroll by default', async () => {
    const pipelineId = await createTicketPipeline(stack);
    const { sent, replied } = await createStatusWorkflows(stack, pipelineId);
    expect((await stack.http.get(`/api/workflows/${replied}`)).body.enrollment).toEqual({ reenroll: true });
    await enableWorkflow(stack, sent);
    await enableWorkflow(stack, replied);

    const ticket = await createTicket(pipelineId, 'waiting');
    const lines = await converse(ticket);
    expect(lines.filter((line) => line.kind === 'status_changed').at(-1)?.detail).toMatch(
      /set by workflow "Replied → new"/,
    );
    const enrollments = await stack.http.get(`/api/workflows/${replied}/enrollments?recordId=${ticket}`);
    expect(enrollments.body.items).toHaveLength(3);

    // A PATCH of other enrollment rules keeps re-enrollment as it is.
    const patched = await stack.http
      .patch(`/api/workflows/${replied}`)
      .send({ enrollment: { includeSources: ['chat'] } });
    expect(patched.body.enrollment).toEqual({ reenroll: true, includeSources: ['chat'] });
  });

  it('enrolls once per ticket when re-enrollment is explicitly off', async () => {
    const pipelineId = await createTicketPipeline(stack);
    const once = await createWorkflow(stack, {
      pipelineId,
      name: 'First reply only',
      trigger: { type: 'ticket_email', on: 'customer_replied' },
      enrollment: { reenroll: false },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'First reply' } }],
    });
    await enableWorkflow(stack, once);
    const ticket = await createTicket(pipelineId, 'new');
    await email(ticket);
    await waitForLines(ticket, 'enrollment_completed', 1);
    await email(ticket);
    const refused = await eventually(async () =>
      (await linesOf(ticket, 'not_enrolled')).find((line) => line.workflowId === once),
    );
    expect(refused.detail).toBe('not enrolled: the record was enrolled before and re-enrollment is off');
    expect(await linesOf(ticket, 'enrolled')).toHaveLength(1);
  });

  it('leaves the status of the latest email when emails arrive back to back', async () => {
    const pipelineId = await createTicketPipeline(stack);
    await tickBoth(pipelineId);
    const endsOnReply = await createTicket(pipelineId, 'waiting');
    const endsOnAgent = await createTicket(pipelineId, 'new');
    for (let round = 0; round < 3; round++) {
      await email(endsOnReply, agentEmail);
      await email(endsOnReply);
      await email(endsOnAgent);
      await email(endsOnAgent, agentEmail);
    }
    await waitForLines(endsOnReply, 'enrollment_completed', 6);
    await waitForLines(endsOnAgent, 'enrollment_completed', 6);
    expect(await stageOf(endsOnReply)).toBe('new');
    expect(await stageOf(endsOnAgent)).toBe('waiting');
  });

  it('changes nothing on forwards, replies to forwards and emails from the contact record or a personal inbox', async () => {
    const pipelineId = await createTicketPipeline(stack);
    await tickBoth(pipelineId);
    const ticket = await createTicket(pipelineId, 'new');
    const ignored = [
      await email(ticket, { ...agentEmail, forwarded: true, threadId: 'fwd-thread' }),
      await email(ticket, { threadId: 'fwd-thread' }),
      await email(ticket, { forwarded: true }),
      await email(ticket, { ...agentEmail, channel: 'contact_record' }),
      await email(ticket, { ...agentEmail, channel: 'personal_inbox' }),
    ];
    expect(ignored.map((answer) => answer.classification)).toEqual([
      'ignored:forwarded',
      'ignored:reply_to_forward',
      'ignored:forwarded',
      'ignored:sent_from_contact_record',
      'ignored:sent_from_personal_inbox',
    ]);
    // A qualifying email after them is the only one that enrolls and changes the status.
    await email(ticket, agentEmail);
    const lines = await waitForLines(ticket, 'enrollment_completed', 1);
    expect(await stageOf(ticket)).toBe('waiting');
    expect(lines.filter((line) => line.kind === 'enrolled')).toHaveLength(1);
    expect(lines.filter((line) => line.kind === 'status_changed')).toHaveLength(1);
    expect(lines.filter((line) => /ignored by ticket automations/.test(line.detail))).toHaveLength(5);
  });

  it('still reopens a closed ticket to the first open status on a reply', async () => {
    const pipelineId = await createTicketPipeline(stack);
    await stack.http
      .put(settingPath(pipelineId))
      .send({ customerReplied: { enabled: true, stageId: 'new' } })
      .expect(200);
    const ticket = await createTicket(pipelineId, 'closed');
    await email(ticket);
    const lines = await waitForLines(ticket, 'enrollment_completed', 1);
    expect(await stageOf(ticket)).toBe('new');
    expect(lines.find((line) => line.kind === 'status_changed')?.detail).toMatch(/^reopened: the customer replied/);
    expect(lines.find((line) => line.kind === 'action_completed')?.detail).toBe(
      'status unchanged: the ticket is already in "new"',
    );
  });

  describe('the setting refuses what it cannot do', () => {
    it('answers 422 for a pipeline that is not a ticket pipeline, naming the field', async () => {
      const deals = await createDealPipeline(stack);
      for (const res of [
        await stack.http.get(settingPath(deals)),
        await stack.http.put(settingPath(deals)).send({ customerReplied: { enabled: true, stageId: 'new' } }),
      ]) {
        expect(res.status).toBe(422);
        expect(res.type).toBe('application/problem+json');
        expect(res.body.errors).toEqual([
          { path: 'params.id', message: `pipeline "${deals}" is a deal pipeline, not a ticket pipeline` },
        ]);
      }
      expect((await stack.http.get(settingPath('no-such-pipeline'))).status).toBe(404);
    });

    it('answers 422 for a stage of another pipeline and for enabling without a stage, changing nothing', async () => {
      const pipelineId = await createTicketPipeline(stack);
      const unknown = await stack.http.put(settingPath(pipelineId)).send({
        emailSentToCustomer: { enabled: true, stageId: 'waiting' },
        customerReplied: { enabled: true, stageId: 'elsewhere' },
      });
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors).toEqual([
        { path: 'body.customerReplied.stageId', message: `stage "elsewhere" is not in pipeline "${pipelineId}"` },
      ]);
      const noStage = await stack.http.put(settingPath(pipelineId)).send({ emailSentToCustomer: { enabled: true } });
      expect(noStage.status).toBe(422);
      expect(noStage.body.errors[0].path).toBe('body.emailSentToCustomer.stageId');
      const malformed = await stack.http.put(settingPath(pipelineId)).send({ customerReplied: { enabled: 'yes' } });
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors[0].path).toBe('body.customerReplied.enabled');
      const extra = await stack.http.put(settingPath(pipelineId)).send({ ticketClosed: { enabled: true } });
      expect(extra.status).toBe(400);
      const setting = await stack.http.get(settingPath(pipelineId));
      expect(setting.body.emailSentToCustomer).toMatchObject({ enabled: false, stageId: null });
      expect(setting.body.customerReplied).toMatchObject({ enabled: false, stageId: null });
    });

    it('answers 403 to roles that may not configure, and lets a viewer read it', async () => {
      const pipelineId = await createTicketPipeline(stack);
      const body = { customerReplied: { enabled: true, stageId: 'new' } };
      for (const token of [tokens.viewer, tokens.integration]) {
        const res = await as(token).put(settingPath(pipelineId)).send(body);
        expect(res.status).toBe(403);
        expect(res.type).toBe('application/problem+json');
      }
      expect((await as(tokens.integration).get(settingPath(pipelineId))).status).toBe(403);
      const read = await as(tokens.viewer).get(settingPath(pipelineId));
      expect(read.status).toBe(200);
      expect(read.body.customerReplied.enabled).toBe(false);
    });

    it('keeps its workflows out of the workflow list and refuses edits through the workflow routes', async () => {
      const pipelineId = await createTicketPipeline(stack);
      const { body } = await stack.http.get(settingPath(pipelineId));
      const id = body.customerReplied.workflowId as string;
      expect((await stack.http.get(`/api/workflows?pipelineId=${pipelineId}`)).body.items).toEqual([]);
      const workflow = await stack.http.get(`/api/workflows/${id}`);
      expect(workflow.body).toMatchObject({ templated: true, name: 'Customer replied', enabled: false });
      const attempts = [
        await stack.http.patch(`/api/workflows/${id}`).send({ name: 'Mine now' }),
        await stack.http.post(`/api/workflows/${id}/enable`),
        await stack.http.post(`/api/workflows/${id}/disable`).send({}),
        await stack.http
          .post(`/api/workflows/${id}/actions`)
          .send({ action: { type: 'create_task', config: { title: 'x' } } }),
        await stack.http.delete(`/api/workflows/${id}`),
      ];
      for (const res of attempts) {
        expect(res.status).toBe(422);
        expect(res.body.errors[0].path).toBe('params.id');
        expect(res.body.detail).toContain(`/api/pipelines/${pipelineId}/ticket-status-automation`);
      }
      expect((await stack.http.get(`/api/workflows/${id}`)).body.version).toBe(workflow.body.version);
    });
  });
});
