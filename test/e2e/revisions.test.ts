import supertest from 'supertest';
import { automationWorkflowId } from '../../src/domain';
import {
  createDealPipeline,
  createRecord,
  createTicketPipeline,
  createWorkflow,
  enableWorkflow,
  taskTitles,
  type TimelineLine,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

const task = (id: string, title: string) => ({ id, type: 'create_task', config: { title } });
const delay = (id: string, duration: string) => ({ id, type: 'delay', config: { for: duration } });

/** `[kind, actionId]` of every line a workflow wrote in a record's timeline. */
const stepsOf = (lines: TimelineLine[], workflowId: string) =>
  lines.filter((line) => line.workflowId === workflowId).map((line) => [line.kind, line.actionId]);

/** A workflow as GET /api/workflows/:id answers, without the timestamps: the shape a revision keeps. */
const withoutTimestamps = ({ createdAt: _createdAt, updatedAt: _updatedAt, ...rest }: Record<string, unknown>) => rest;

let stack: TestStack;
let viewer: string;
beforeAll(async () => {
  stack = await startTestStack();
  const created = await stack.http.post('/api/tokens').send({ name: 'revisions viewer', role: 'viewer' });
  expect(created.status).toBe(201);
  viewer = created.body.token as string;
});
afterAll(async () => {
  await stack.stop();
});

const asViewer = (method: 'get' | 'post', path: string) =>
  supertest(stack.api.url)[method](path).set('Authorization', `Bearer ${viewer}`);

async function readWorkflow(id: string): Promise<Record<string, unknown> & { version: number; enabled: boolean }> {
  const res = await stack.http.get(`/api/workflows/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

const revisionPath = (workflowId: string, version: number | string) =>
  `/api/workflows/${workflowId}/revisions/${version}`;

async function restore(workflowId: string, version: number) {
  return stack.http.post(`${revisionPath(workflowId, version)}/restore`);
}

/** A fresh deal pipeline and a workflow on stage `qualified` of it. */
async function qualifiedWorkflow(
  actions: object[],
  extra: Record<string, unknown> = {},
): Promise<{ pipelineId: string; workflowId: string }> {
  const pipelineId = await createDealPipeline(stack);
  const workflowId = await createWorkflow(stack, {
    pipelineId,
    name: 'Revised',
    trigger: { type: 'stage_entered', stageId: 'qualified' },
    actions,
    ...extra,
  });
  return { pipelineId, workflowId };
}

describe('revisions as snapshots', () => {
  it('keeps the whole workflow with every change, and shows each version as it was', async () => {
    const { workflowId } = await qualifiedWorkflow([task('call', 'Call them')]);
    const base = `/api/workflows/${workflowId}`;
    const seen = [await readWorkflow(workflowId)];
    const change = async (send: () => supertest.Test, status: number) => {
      expect((await send()).status).toBe(status);
      seen.push(await readWorkflow(workflowId));
    };
    await change(() => stack.http.patch(base).send({ name: 'Renamed', settings: { unenrollOnStageExit: false } }), 200);
    await change(() => stack.http.post(`${base}/actions`).send({ action: task('follow', 'Follow up') }), 201);
    await change(() => stack.http.patch(`${base}/actions/call`).send({ config: { title: 'Call them today' } }), 200);
    await change(() => stack.http.post(`${base}/actions/call/comments`).send({ body: 'Ask for the budget' }), 201);
    await change(() => stack.http.delete(`${base}/actions/follow?mode=only`), 204);
    await change(() => stack.http.post(`${base}/enable`), 200);
    await change(() => stack.http.post(`${base}/disable`), 200);
    expect(seen.map((workflow) => workflow.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const listed = await stack.http.get(`${base}/revisions`);
    expect(listed.body.items.map((revision: { change: { type: string } }) => revision.change.type)).toEqual([
      'created',
      'updated',
      'action_added',
      'action_updated',
      'comment_added',
      'action_deleted',
      'enabled',
      'disabled',
    ]);
    for (const [index, workflow] of seen.entries()) {
      const res = await stack.http.get(revisionPath(workflowId, workflow.version));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...listed.body.items[index], workflow: withoutTimestamps(workflow) });
    }
    const commented = (await stack.http.get(revisionPath(workflowId, 5))).body.workflow;
    expect(commented.actions[0]).toMatchObject({
      id: 'call',
      config: { title: 'Call them today' },
      comments: [expect.objectContaining({ body: 'Ask for the budget', by: 'admin' })],
    });
    expect((await stack.http.get(revisionPath(workflowId, 7))).body.workflow.enabled).toBe(true);
    expect((await stack.http.get(revisionPath(workflowId, 1))).body.workflow).toMatchObject({
      name: 'Revised',
      settings: { unenrollOnStageExit: true },
      actions: [expect.objectContaining({ id: 'call', config: { title: 'Call them' }, comments: [] })],
    });
  });

  it('keeps the snapshot of a ticket-status automation change', async () => {
    const pipelineId = await createTicketPipeline(stack);
    const put = await stack.http
      .put(`/api/pipelines/${pipelineId}/ticket-status-automation`)
      .send({ customerReplied: { enabled: true, stageId: 'new' } });
    expect(put.status).toBe(200);
    const workflowId = put.body.customerReplied.workflowId as string;
    const current = await readWorkflow(workflowId);
    expect(current.version).toBe(2);
    const created = await stack.http.get(revisionPath(workflowId, 1));
    expect(created.body).toMatchObject({ change: { type: 'created' }, workflow: { enabled: false, templated: true } });
    const changed = await stack.http.get(revisionPath(workflowId, 2));
    expect(changed.body).toMatchObject({ change: { type: 'ticket_status_automation', enabled: true } });
    expect(changed.body.workflow).toEqual(withoutTimestamps(current));

    // Its definition is changed only through the pipeline's setting, so it cannot be restored either.
    const refused = await restore(workflowId, 1);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: 'params.id', message: expect.stringContaining('templated') }]);
    expect((await readWorkflow(workflowId)).version).toBe(2);
  });

  it('restores an earlier revision as a new version equal to it, leaving the switch as it is', async () => {
    const { workflowId } = await qualifiedWorkflow([task('call', 'Call them')], {
      enrollment: { reenroll: true },
    });
    const base = `/api/workflows/${workflowId}`;
    expect((await stack.http.patch(base).send({ name: 'Two', enrollment: { reenroll: false } })).status).toBe(200);
    expect((await stack.http.post(`${base}/actions`).send({ action: task('more', 'More') })).status).toBe(201);
    expect((await stack.http.post(`${base}/actions/call/comments`).send({ body: 'later' })).status).toBe(201);
    expect((await readWorkflow(workflowId)).version).toBe(4);

    const restored = await restore(workflowId, 1);
    expect(restored.status).toBe(200);
    const v1 = (await stack.http.get(revisionPath(workflowId, 1))).body.workflow;
    expect(restored.body).toMatchObject({ id: workflowId, version: 5, enabled: false });
    const pick = ({ name, trigger, enrollment, settings, actions }: Record<string, unknown>) => ({
      name,
      trigger,
      enrollment,
      settings,
      actions,
    });
    expect(pick(restored.body)).toEqual(pick(v1));
    expect(restored.body.actions).toEqual([expect.objectContaining({ id: 'call', comments: [] })]);
    expect(await readWorkflow(workflowId)).toEqual(restored.body);

    const revisions = (await stack.http.get(`${base}/revisions`)).body.items;
    expect(revisions[revisions.length - 1]).toEqual({
      version: 5,
      at: expect.any(String),
      by: 'admin',
      change: { type: 'restored', fromVersion: 1 },
    });
    expect((await stack.http.get(revisionPath(workflowId, 5))).body.workflow).toEqual(withoutTimestamps(restored.body));

    // On stays on: restoring a version made while the workflow was off does not turn it off.
    await enableWorkflow(stack, workflowId);
    const again = await restore(workflowId, 4);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 7, enabled: true, name: 'Two' });
    expect(again.body.actions.map((action: { id: string }) => action.id)).toEqual(['call', 'more']);
  });

  it('restoring an earlier revision of a live workflow changes what a waiting enrollment does next', async () => {
    const { pipelineId, workflowId } = await qualifiedWorkflow([delay('wait', '4s'), task('old', 'old')]);
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'delay_started', workflowId);

    const actions = `/api/workflows/${workflowId}/actions`;
    expect((await stack.http.delete(`${actions}/old?mode=only`)).status).toBe(204);
    expect((await stack.http.post(actions).send({ action: task('new', 'new') })).status).toBe(201);
    expect((await readWorkflow(workflowId)).version).toBe(4);
    const restored = await restore(workflowId, 1);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ version: 5, enabled: true });

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    expect(stepsOf(lines, workflowId)).toEqual([
      ['enrolled', undefined],
      ['delay_started', 'wait'],
      ['action_completed', 'old'],
      ['enrollment_completed', undefined],
    ]);
    expect(await taskTitles(stack, recordId)).toEqual(['old']);
  });

  it('follows a shard count the restore puts back', async () => {
    const { workflowId } = await qualifiedWorkflow([task('call', 'Call them')]);
    await enableWorkflow(stack, workflowId);
    expect((await stack.http.patch(`/api/workflows/${workflowId}`).send({ settings: { shards: 2 } })).status).toBe(200);
    const statusOf = async (shard: number) =>
      (await stack.temporal.workflow.getHandle(automationWorkflowId(workflowId, shard)).describe()).status.name;
    const waitForStatus = (shard: number, status: string) =>
      eventually(
        async () => ((await statusOf(shard).catch(() => 'NOT_FOUND')) === status ? true : undefined),
        20_000,
        `shard ${shard} ${status}`,
      );
    await waitForStatus(1, 'RUNNING');

    const restored = await restore(workflowId, 1);
    expect(restored.status).toBe(200);
    expect(restored.body.settings.shards).toBe(1);
    await waitForStatus(1, 'COMPLETED');
    expect(await statusOf(0)).toBe('RUNNING');
  });

  it('lets a viewer read a revision with webhook header values redacted, and not restore it', async () => {
    const hook = {
      id: 'hook',
      type: 'webhook',
      config: { url: 'https://hooks.example.com/in', headers: { Authorization: 'Bearer s3cret' } },
    };
    const { workflowId } = await qualifiedWorkflow([hook]);
    expect((await stack.http.get(revisionPath(workflowId, 1))).body.workflow.actions[0].config.headers).toEqual({
      Authorization: 'Bearer s3cret',
    });
    const read = await asViewer('get', revisionPath(workflowId, 1));
    expect(read.status).toBe(200);
    expect(read.body.workflow.actions[0].config.headers).toEqual({ Authorization: '[redacted]' });
    expect(JSON.stringify(read.body)).not.toContain('s3cret');

    const refused = await asViewer('post', `${revisionPath(workflowId, 1)}/restore`);
    expect(refused.status).toBe(403);
    expect((await readWorkflow(workflowId)).version).toBe(1);
  });

  it('answers a version that does not exist with 404 and a malformed one with 400, naming params.version', async () => {
    const { workflowId } = await qualifiedWorkflow([task('call', 'Call them')]);
    for (const method of ['get', 'post'] as const) {
      const suffix = method === 'post' ? '/restore' : '';
      const missing = await stack.http[method](`${revisionPath(workflowId, 2)}${suffix}`);
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(missing.body.errors).toEqual([{ path: 'params.version', message: expect.stringContaining('2') }]);
      for (const version of ['0', '-1', '1.5', 'latest', '01', '1e3', '9999999999']) {
        const malformed = await stack.http[method](`${revisionPath(workflowId, version)}${suffix}`);
        expect({ version, status: malformed.status }).toEqual({ version, status: 400 });
        expect(malformed.body.errors).toEqual([{ path: 'params.version', message: expect.any(String) }]);
      }
      const nowhere = await stack.http[method](`${revisionPath(unique('nope'), 1)}${suffix}`);
      expect(nowhere.status).toBe(404);
    }
    expect((await readWorkflow(workflowId)).version).toBe(1);
  });

  it('refuses a restore when If-Match names another version, changing nothing', async () => {
    const { workflowId } = await qualifiedWorkflow([task('call', 'Call them')]);
    expect((await stack.http.patch(`/api/workflows/${workflowId}`).send({ name: 'Two' })).status).toBe(200);
    const stale = await stack.http.post(`${revisionPath(workflowId, 1)}/restore`).set('If-Match', '1');
    expect(stale.status).toBe(409);
    expect(await readWorkflow(workflowId)).toMatchObject({ version: 2, name: 'Two' });
    const current = await stack.http.post(`${revisionPath(workflowId, 1)}/restore`).set('If-Match', '"2"');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ version: 3, name: 'Revised' });
  });

  it('refuses to restore into a live workflow a revision that is no longer valid, and restores it as a draft', async () => {
    const templateId = unique('promo');
    expect(
      (
        await stack.http
          .post('/api/email-templates')
          .send({ id: templateId, name: 'Promo', subject: 'News', body: 'Hello' })
      ).status,
    ).toBe(201);
    const mail = { id: 'mail', type: 'send_email', config: { template: { customEmailId: templateId } } };
    const { workflowId } = await qualifiedWorkflow([task('call', 'Call them'), mail]);
    expect((await stack.http.delete(`/api/workflows/${workflowId}/actions/mail?mode=only`)).status).toBe(204);
    expect((await stack.http.delete(`/api/email-templates/${templateId}`)).status).toBe(204);
    await enableWorkflow(stack, workflowId);
    const before = await readWorkflow(workflowId);
    expect(before.version).toBe(3);

    const refused = await restore(workflowId, 1);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('mail');
    expect(refused.body.errors).toEqual([
      {
        path: 'actions[1].config.template.customEmailId',
        message: expect.stringMatching(new RegExp(`action mail: .*"${templateId}" does not exist`)),
      },
    ]);
    expect(await readWorkflow(workflowId)).toEqual(before);
    expect((await stack.http.get(`/api/workflows/${workflowId}/revisions`)).body.items).toHaveLength(3);

    // Off, the same restore is a draft with a reference to fix, and enable says what.
    expect((await stack.http.post(`/api/workflows/${workflowId}/disable`)).status).toBe(200);
    const draft = await restore(workflowId, 1);
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({ version: 5, enabled: false });
    expect(draft.body.actions.map((action: { id: string }) => action.id)).toEqual(['call', 'mail']);
    expect((await stack.http.post(`/api/workflows/${workflowId}/enable`)).status).toBe(422);
  });

  it('shows a revision older than the snapshots with workflow null and refuses to restore it', async () => {
    const { workflowId } = await qualifiedWorkflow([task('call', 'Call them')]);
    expect((await stack.http.patch(`/api/workflows/${workflowId}`).send({ name: 'Two' })).status).toBe(200);
    // As migration 010 leaves a revision made before it that was not its workflow's latest.
    await stack.pool.query('UPDATE workflow_revisions SET workflow = NULL WHERE workflow_id = $1 AND version = 1', [
      workflowId,
    ]);
    const old = await stack.http.get(revisionPath(workflowId, 1));
    expect(old.status).toBe(200);
    expect(old.body).toEqual({
      version: 1,
      at: expect.any(String),
      by: 'admin',
      change: { type: 'created' },
      workflow: null,
    });
    const refused = await restore(workflowId, 1);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: 'params.version', message: expect.any(String) }]);
    expect((await readWorkflow(workflowId)).version).toBe(2);
  });
});
