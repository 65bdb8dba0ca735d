import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  taskTitles,
  timeline,
  type TimelineLine,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

interface ActionBody {
  id: string;
  type: string;
  config: Record<string, unknown>;
}

const task = (id: string, title: string) => ({ id, type: 'create_task', config: { title } });
const delay = (id: string, duration: string) => ({ id, type: 'delay', config: { for: duration } });

/** `[kind, actionId]` of every line a workflow wrote in a record's timeline. */
const stepsOf = (lines: TimelineLine[], workflowId: string) =>
  lines.filter((line) => line.workflowId === workflowId).map((line) => [line.kind, line.actionId]);

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

async function readWorkflow(id: string): Promise<{ version: number; enabled: boolean; actions: ActionBody[] }> {
  const res = await stack.http.get(`/api/workflows/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** A fresh pipeline and an enabled workflow on stage `qualified`, so that each test's records enroll only in it. */
async function enabledWorkflow(actions: object[]): Promise<{ pipelineId: string; workflowId: string }> {
  const pipelineId = await createDealPipeline(stack);
  const workflowId = await createWorkflow(stack, {
    pipelineId,
    name: 'Live edit target',
    trigger: { type: 'stage_entered', stageId: 'qualified' },
    actions,
  });
  await enableWorkflow(stack, workflowId);
  return { pipelineId, workflowId };
}

describe('live edits to workflow actions', () => {
  it('adds, edits and deletes actions, bumping the version and recording each revision', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Edited by hand',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        task('a', 'A'),
        task('b', 'B'),
        {
          id: 'br',
          type: 'branch_if',
          config: { conditions: { all: [{ property: 'vip', operator: 'known' }] }, then: [], else: [] },
        },
      ],
    });
    const path = `/api/workflows/${workflowId}/actions`;
    expect((await readWorkflow(workflowId)).version).toBe(1);

    const afterA = await stack.http.post(path).send({ action: task('c', 'C'), after: 'a' });
    expect(afterA.status).toBe(201);
    expect(afterA.body).toMatchObject({ id: 'c', type: 'create_task', config: { title: 'C' }, comments: [] });
    const first = await stack.http.post(path).send({ action: task('z', 'Z'), after: null });
    expect(first.status).toBe(201);
    const appended = await stack.http.post(path).send({ action: task('end', 'End') });
    expect(appended.status).toBe(201);
    const nested = await stack.http
      .post(path)
      .send({ action: task('inthen', 'VIP call'), parent: { actionId: 'br', branch: 'then' } });
    expect(nested.status).toBe(201);

    let workflow = await readWorkflow(workflowId);
    expect(workflow.version).toBe(5);
    expect(workflow.actions.map((action) => action.id)).toEqual(['z', 'a', 'c', 'b', 'br', 'end']);
    const branch = workflow.actions.find((action) => action.id === 'br');
    expect((branch?.config.then as ActionBody[]).map((action) => action.id)).toEqual(['inthen']);
    expect(branch?.config.else).toEqual([]);

    // `after` must name an action in the list the action goes into: `a` is top-level, not in br's "then".
    const wrongList = await stack.http
      .post(path)
      .send({ action: task('x', 'X'), after: 'a', parent: { actionId: 'br', branch: 'then' } });
    expect(wrongList.status).toBe(422);
    expect(wrongList.body.errors).toEqual([{ path: 'body.after', message: expect.stringContaining('"a"') }]);
    const ghost = await stack.http.post(path).send({ action: task('x', 'X'), after: 'ghost' });
    expect(ghost.status).toBe(422);
    expect(ghost.body.errors.map((error: { path: string }) => error.path)).toEqual(['body.after']);
    // …and the other way round: `inthen` lives in br's "then", not in the top-level list.
    const nestedAfter = await stack.http.post(path).send({ action: task('x', 'X'), after: 'inthen' });
    expect(nestedAfter.status).toBe(422);
    expect(nestedAfter.body.errors.map((error: { path: string }) => error.path)).toEqual(['body.after']);
    expect(
      (await stack.http.post(`/api/workflows/${unique('nope')}/actions`).send({ action: task('x', 'X') })).status,
    ).toBe(404);

    const edited = await stack.http.patch(`${path}/c`).send({ config: { title: 'C edited', dueIn: '1d' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: 'c', type: 'create_task', config: { title: 'C edited', dueIn: '1d' } });
    const badConfig = await stack.http.patch(`${path}/c`).send({ config: { title: '', dueIn: 'soon' } });
    expect(badConfig.status).toBe(400);
    expect(badConfig.headers['content-type']).toMatch(/application\/problem\+json/);
    const badPaths: string[] = badConfig.body.errors.map((error: { path: string }) => error.path);
    expect(badPaths.length).toBeGreaterThan(0);
    expect(badPaths.every((errorPath) => errorPath.startsWith('body.config'))).toBe(true);
    expect(badPaths).toEqual(expect.arrayContaining(['body.config.title']));

    // If-Match with a version that has moved on is refused and changes nothing; the current one is accepted.
    const stale = await stack.http
      .patch(`${path}/c`)
      .set('If-Match', '2')
      .send({ config: { title: 'Too late' } });
    expect(stale.status).toBe(409);
    expect((await stack.http.delete(`${path}/a?mode=only`).set('If-Match', '1')).status).toBe(409);
    workflow = await readWorkflow(workflowId);
    expect(workflow.version).toBe(6);
    expect(workflow.actions.find((action) => action.id === 'c')?.config.title).toBe('C edited');

    expect((await stack.http.patch(`${path}/nope`).send({ config: { title: 'N' } })).status).toBe(404);
    expect((await stack.http.delete(`${path}/nope?mode=only`)).status).toBe(404);
    expect((await stack.http.post(`${path}/nope/comments`).send({ body: 'hello' })).status).toBe(404);

    const deleteOnly = await stack.http.delete(`${path}/c?mode=only`).set('If-Match', '6');
    expect(deleteOnly.status).toBe(204);
    expect((await readWorkflow(workflowId)).actions.map((action) => action.id)).toEqual(['z', 'a', 'b', 'br', 'end']);
    const deleteFollowing = await stack.http.delete(`${path}/b?mode=following`);
    expect(deleteFollowing.status).toBe(204);
    workflow = await readWorkflow(workflowId);
    expect(workflow.version).toBe(8);
    expect(workflow.actions.map((action) => action.id)).toEqual(['z', 'a']);

    const revisions = await stack.http.get(`/api/workflows/${workflowId}/revisions`);
    expect(revisions.status).toBe(200);
    expect(
      revisions.body.items.map((revision: { version: number; by: string; change: Record<string, unknown> }) => [
        revision.version,
        revision.by,
        revision.change.type,
        revision.change.actionId,
      ]),
    ).toEqual([
      [1, 'admin', 'created', undefined],
      [2, 'admin', 'action_added', 'c'],
      [3, 'admin', 'action_added', 'z'],
      [4, 'admin', 'action_added', 'end'],
      [5, 'admin', 'action_added', 'inthen'],
      [6, 'admin', 'action_updated', 'c'],
      [7, 'admin', 'action_deleted', 'c'],
      [8, 'admin', 'action_deleted', 'b'],
    ]);
    expect(revisions.body.items[6].change.mode).toBe('only');
    expect(revisions.body.items[7].change.mode).toBe('following');
  });

  it('keeps comments on an action', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Commented',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [task('call', 'Call them')],
    });
    const path = `/api/workflows/${workflowId}/actions/call/comments`;

    const created = await stack.http.post(path).send({ body: 'Ask about the renewal date' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      by: 'admin',
      at: expect.any(String),
      body: 'Ask about the renewal date',
    });
    expect(Number.isNaN(Date.parse(created.body.at))).toBe(false);

    const listed = await stack.http.get(path);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([created.body]);
    expect((await readWorkflow(workflowId)).actions[0]).toMatchObject({ id: 'call', comments: [created.body] });
    expect((await stack.http.post(path).send({ body: '' })).status).toBe(400);

    const second = await stack.http.post(path).send({ body: 'And the budget' });
    const firstPage = await stack.http.get(`${path}?limit=1`);
    expect(firstPage.body.items).toEqual([created.body]);
    const secondPage = await stack.http.get(`${path}?limit=1&cursor=${firstPage.body.nextCursor}`);
    expect(secondPage.body).toEqual({ items: [second.body] });
  });

  it('lets an enrollment waiting in a delay pick up an edited and an inserted action at its next step', async () => {
    const { pipelineId, workflowId } = await enabledWorkflow([
      task('first', 'first'),
      delay('wait', '3s'),
      task('second', 'second'),
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'delay_started', workflowId);

    const path = `/api/workflows/${workflowId}/actions`;
    expect((await stack.http.patch(`${path}/second`).send({ config: { title: 'second, edited' } })).status).toBe(200);
    expect((await stack.http.post(path).send({ action: task('inserted', 'inserted'), after: 'wait' })).status).toBe(
      201,
    );
    expect(await taskTitles(stack, recordId)).toEqual(['first']);

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(stepsOf(lines, workflowId)).toEqual([
      ['enrolled', undefined],
      ['action_completed', 'first'],
      ['delay_started', 'wait'],
      ['action_completed', 'inserted'],
      ['action_completed', 'second'],
      ['enrollment_completed', undefined],
    ]);
    expect(lines.find((line) => line.actionId === 'second')?.detail).toContain('second, edited');
    expect(await taskTitles(stack, recordId)).toEqual(['first', 'inserted', 'second, edited']);
  });

  it('goes on with the next action when the delay it waits in is deleted with mode=only', async () => {
    const { pipelineId, workflowId } = await enabledWorkflow([
      delay('wait', '3s'),
      task('next', 'next'),
      task('last', 'last'),
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'delay_started', workflowId);
    expect((await stack.http.delete(`/api/workflows/${workflowId}/actions/wait?mode=only`)).status).toBe(204);

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(stepsOf(lines, workflowId)).toEqual([
      ['enrolled', undefined],
      ['delay_started', 'wait'],
      ['action_completed', 'next'],
      ['action_completed', 'last'],
      ['enrollment_completed', undefined],
    ]);
    expect(await taskTitles(stack, recordId)).toEqual(['next', 'last']);
  });

  it('ends the enrollment when the delay it waits in is deleted with mode=following', async () => {
    const { pipelineId, workflowId } = await enabledWorkflow([
      task('before', 'before'),
      delay('wait', '3s'),
      task('next', 'next'),
      task('last', 'last'),
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'delay_started', workflowId);
    expect((await stack.http.delete(`/api/workflows/${workflowId}/actions/wait?mode=following`)).status).toBe(204);
    expect((await readWorkflow(workflowId)).actions.map((action) => action.id)).toEqual(['before']);

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(stepsOf(lines, workflowId)).toEqual([
      ['enrolled', undefined],
      ['action_completed', 'before'],
      ['delay_started', 'wait'],
      ['enrollment_completed', undefined],
    ]);
    expect(lines.find((line) => line.kind === 'enrollment_completed')?.detail).toMatch(
      /remaining actions were deleted/,
    );
    expect(await taskTitles(stack, recordId)).toEqual(['before']);
    const enrollments = await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`);
    expect(enrollments.body.items).toEqual([expect.objectContaining({ recordId, status: 'completed' })]);
  });

  it('skips, with a line saying so, a pending action deleted with mode=only while the enrollment waits', async () => {
    const { pipelineId, workflowId } = await enabledWorkflow([
      delay('wait', '3s'),
      task('doomed', 'doomed'),
      task('kept', 'kept'),
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'delay_started', workflowId);
    expect((await stack.http.delete(`/api/workflows/${workflowId}/actions/doomed?mode=only`)).status).toBe(204);

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(stepsOf(lines, workflowId)).toEqual([
      ['enrolled', undefined],
      ['delay_started', 'wait'],
      ['action_skipped', 'doomed'],
      ['action_completed', 'kept'],
      ['enrollment_completed', undefined],
    ]);
    expect(lines.find((line) => line.kind === 'action_skipped')?.detail).toMatch(/deleted/);
    expect(await taskTitles(stack, recordId)).toEqual(['kept']);
  });

  it('saves a draft with broken references but refuses to enable it, naming every offending action', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Draft with broken references',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [task('fine', 'fine')],
    });
    const path = `/api/workflows/${workflowId}/actions`;
    const jump = await stack.http
      .post(path)
      .send({ action: { id: 'jump', type: 'set_stage', config: { stageId: 'nowhere' } } });
    expect(jump.status).toBe(201);
    const mail = await stack.http.post(path).send({
      action: { id: 'mail', type: 'send_email', config: { template: { customEmailId: unique('missing-tpl') } } },
    });
    expect(mail.status).toBe(201);

    const enable = await stack.http.post(`/api/workflows/${workflowId}/enable`);
    expect(enable.status).toBe(422);
    expect(enable.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(enable.body.detail).toContain('jump');
    expect(enable.body.detail).toContain('mail');
    expect(enable.body.detail).not.toContain('fine');
    expect(enable.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'actions[1].config.stageId', message: expect.stringContaining('action jump') },
        { path: 'actions[2].config.template.customEmailId', message: expect.stringContaining('action mail') },
      ]),
    );
    expect(enable.body.errors).toHaveLength(2);
    expect((await readWorkflow(workflowId)).enabled).toBe(false);
  });
});

describe('email templates and send_email', () => {
  it('lists the built-ins, uses an edited built-in subject, and refuses to delete templates in use', async () => {
    const list = await stack.http.get('/api/email-templates');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'ticket_received', transactional: true, subject: expect.any(String) }),
        expect.objectContaining({ id: 'ticket_closed', transactional: true, subject: expect.any(String) }),
      ]),
    );

    const put = await stack.http
      .put('/api/email-templates/ticket_closed')
      .send({ subject: 'All done with {{record.id}}', body: 'Closed {{record.id}}. Reply to reopen.' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: 'ticket_closed',
      subject: 'All done with {{record.id}}',
      transactional: true,
    });

    const { pipelineId, workflowId } = await enabledWorkflow([
      { id: 'closed', type: 'send_email', config: { template: 'ticket_closed' } },
    ]);
    const recordId = await createRecord(stack, {
      pipelineId,
      stageId: 'qualified',
      contacts: [{ email: 'closer@example.com' }],
    });
    const received = await stack.sink.waitFor(
      (message) => message.to.includes('closer@example.com') && message.subject === `All done with ${recordId}`,
    );
    expect(received.text).toContain(`Closed ${recordId}. Reply to reopen.`);
    await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);

    const deleteBuiltin = await stack.http.delete('/api/email-templates/ticket_received');
    expect(deleteBuiltin.status).toBe(409);
    expect((await stack.http.get('/api/email-templates/ticket_received')).status).toBe(200);

    const templateId = unique('newsletter');
    const custom = await stack.http
      .post('/api/email-templates')
      .send({ id: templateId, name: 'Newsletter', subject: 'News', body: 'Hello' });
    expect(custom.status).toBe(201);
    expect(custom.body).toMatchObject({ id: templateId, transactional: false });
    const user = await createWorkflow(stack, {
      pipelineId,
      name: 'Uses the newsletter',
      trigger: { type: 'stage_entered', stageId: 'won' },
      actions: [{ id: 'news', type: 'send_email', config: { template: { customEmailId: templateId } } }],
    });
    const inUse = await stack.http.delete(`/api/email-templates/${templateId}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.detail).toContain(user);
    expect((await stack.http.get(`/api/email-templates/${templateId}`)).status).toBe(200);

    expect((await stack.http.delete(`/api/workflows/${user}`)).status).toBe(204);
    expect((await stack.http.delete(`/api/email-templates/${templateId}`)).status).toBe(204);
  });

  it('sends transactional email to every contact and marketing email only to those who opted in', async () => {
    const templateId = unique('promo');
    const custom = await stack.http
      .post('/api/email-templates')
      .send({ id: templateId, name: 'Promo', subject: 'Offer for {{record.id}}', body: 'A deal for you' });
    expect(custom.status).toBe(201);
    const { pipelineId, workflowId } = await enabledWorkflow([
      { id: 'receipt', type: 'send_email', config: { template: 'ticket_received' } },
      { id: 'promo', type: 'send_email', config: { template: { customEmailId: templateId } } },
    ]);
    const recordId = await createRecord(stack, {
      pipelineId,
      stageId: 'qualified',
      contacts: [
        { email: 'fan@example.com', name: 'Fan', marketing: true },
        { email: 'quiet@example.com', name: 'Quiet' },
      ],
    });

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    const template = (await stack.http.get('/api/email-templates/ticket_received')).body;
    const receiptSubject = (template.subject as string).replace('{{record.id}}', recordId);
    for (const to of ['fan@example.com', 'quiet@example.com']) {
      await stack.sink.waitFor((message) => message.to.includes(to) && message.subject === receiptSubject);
    }
    await stack.sink.waitFor(
      (message) => message.to.includes('fan@example.com') && message.subject === `Offer for ${recordId}`,
    );
    expect(stack.sink.messages.filter((message) => message.subject === `Offer for ${recordId}`)).toHaveLength(1);

    const emails = await stack.http.get(`/api/emails?recordId=${recordId}`);
    expect(
      emails.body.items
        .map((email: { kind: string; to: string; subject: string }) => [email.kind, email.to, email.subject])
        .sort(),
    ).toEqual(
      [
        ['marketing', 'fan@example.com', `Offer for ${recordId}`],
        ['transactional', 'fan@example.com', receiptSubject],
        ['transactional', 'quiet@example.com', receiptSubject],
      ].sort(),
    );

    const skipped = lines.filter((line) => line.kind === 'action_skipped');
    expect(skipped).toEqual([expect.objectContaining({ actionId: 'promo', workflowId })]);
    expect(skipped[0]?.detail).toContain('quiet@example.com');
    expect(skipped[0]?.detail).not.toContain('fan@example.com');
    expect(lines.filter((line) => line.kind === 'action_completed').map((line) => line.actionId)).toEqual([
      'receipt',
      'promo',
    ]);
  });
});

interface SeenRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('webhook actions', () => {
  const seen: SeenRequest[] = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    // The path says how to answer: /missing → 404, /flaky → 500 the first time, then 200; anything else → 200.
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        seen.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString() });
        const earlier = seen.filter((request) => request.path === path).length - 1;
        if (path.startsWith('/missing')) res.writeHead(404);
        else if (path.startsWith('/flaky') && earlier === 0) res.writeHead(500);
        else res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  async function enrollmentIdOf(workflowId: string, recordId: string): Promise<string> {
    const res = await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`);
    expect(res.body.items).toHaveLength(1);
    return res.body.items[0].id as string;
  }

  it('sends the rendered body with Idempotency-Key <enrollmentId>:<actionId> and logs the status', async () => {
    const hookPath = `/ok/${unique('hook')}`;
    const { pipelineId, workflowId } = await enabledWorkflow([
      {
        id: 'hook',
        type: 'webhook',
        config: {
          url: `${base}${hookPath}`,
          headers: { 'X-Source': 'pipewright-test' },
          body: { recordId: '{{record.id}}', company: '{{record.properties.company}}', amount: 42 },
        },
      },
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified', properties: { company: 'Acme' } });

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    const requests = seen.filter((request) => request.path === hookPath);
    expect(requests).toHaveLength(1);
    const enrollmentId = await enrollmentIdOf(workflowId, recordId);
    expect(requests[0]?.headers['idempotency-key']).toBe(`${enrollmentId}:hook`);
    expect(requests[0]?.headers['x-source']).toBe('pipewright-test');
    expect(requests[0]?.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ recordId, company: 'Acme', amount: 42 });

    const line = lines.find((candidate) => candidate.actionId === 'hook');
    expect(line?.kind).toBe('action_completed');
    expect(line?.detail).toContain(hookPath);
    expect(line?.detail).toContain('→ 200');
  });

  it('fails the action at once on a 404 and goes on with the next action', async () => {
    const hookPath = `/missing/${unique('hook')}`;
    const { pipelineId, workflowId } = await enabledWorkflow([
      { id: 'hook', type: 'webhook', config: { url: `${base}${hookPath}` } },
      task('after', 'after the webhook'),
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(stepsOf(lines, workflowId)).toEqual([
      ['enrolled', undefined],
      ['action_failed', 'hook'],
      ['action_completed', 'after'],
      ['enrollment_completed', undefined],
    ]);
    expect(lines.find((line) => line.kind === 'action_failed')?.detail).toContain('404');
    expect(seen.filter((request) => request.path === hookPath)).toHaveLength(1);
    expect(await taskTitles(stack, recordId)).toEqual(['after the webhook']);
  });

  it('retries a 500 with the same Idempotency-Key and logs one success', async () => {
    const hookPath = `/flaky/${unique('hook')}`;
    const { pipelineId, workflowId } = await enabledWorkflow([
      { id: 'hook', type: 'webhook', config: { url: `${base}${hookPath}`, body: { id: '{{record.id}}' } } },
    ]);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });

    // The webhook retry policy starts at a 10 s gap.
    const lines = await eventually(
      async () => {
        const current = await timeline(stack, recordId);
        return current.some((line) => line.kind === 'enrollment_completed') ? current : undefined;
      },
      30_000,
      'the retried webhook to succeed',
    );
    const requests = seen.filter((request) => request.path === hookPath);
    expect(requests).toHaveLength(2);
    const enrollmentId = await enrollmentIdOf(workflowId, recordId);
    expect(requests.map((request) => request.headers['idempotency-key'])).toEqual([
      `${enrollmentId}:hook`,
      `${enrollmentId}:hook`,
    ]);
    expect(requests.map((request) => JSON.parse(request.body))).toEqual([{ id: recordId }, { id: recordId }]);
    expect(stepsOf(lines, workflowId)).toEqual([
      ['enrolled', undefined],
      ['action_completed', 'hook'],
      ['enrollment_completed', undefined],
    ]);
    expect(lines.find((line) => line.actionId === 'hook')?.detail).toContain('→ 200');
  });
});
