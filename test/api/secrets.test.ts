import supertest from 'supertest';
import { createDealPipeline, createWorkflow } from '../support/fixtures';
import { startTestStack, type TestStack, unique } from '../support/stack';

type Role = 'workflow_editor' | 'integration' | 'viewer';

describe('/api/secrets and where secrets may be used', () => {
  let stack: TestStack;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    for (const role of ['workflow_editor', 'integration', 'viewer'] as const) {
      const res = await stack.http.post('/api/tokens').send({ name: `${role} token`, role });
      expect(res.status).toBe(201);
      tokens[role] = res.body.token;
    }
  });
  afterAll(async () => {
    await stack.stop();
  });

  const as = (role: Role) => {
    const agent = supertest(stack.api.url);
    const auth = <T extends { set(name: string, value: string): T }>(request: T) =>
      request.set('Authorization', `Bearer ${tokens[role]}`);
    return {
      get: (path: string) => auth(agent.get(path)),
      put: (path: string) => auth(agent.put(path)),
      delete: (path: string) => auth(agent.delete(path)),
      post: (path: string) => auth(agent.post(path)),
    };
  };

  it('stores, lists (names only), replaces and deletes a secret; no answer carries its value', async () => {
    const name = unique('crm.api_key');
    const value = `v1-${unique('value')}`;
    const answers: supertest.Response[] = [];
    const keep = (res: supertest.Response) => {
      answers.push(res);
      return res;
    };

    expect(keep(await stack.http.put(`/api/secrets/${name}`).send({ value })).status).toBe(204);
    const listed = keep(await stack.http.get('/api/secrets'));
    expect(listed.status).toBe(200);
    const item = (listed.body.items as { name: string }[]).find((candidate) => candidate.name === name);
    expect(item).toEqual({ name, updatedAt: expect.any(String) });

    const replaced = `v2-${unique('value')}`;
    expect(keep(await stack.http.put(`/api/secrets/${name}`).send({ value: replaced })).status).toBe(204);
    const relisted = keep(await stack.http.get('/api/secrets'));
    expect((relisted.body.items as { name: string }[]).filter((candidate) => candidate.name === name)).toHaveLength(1);

    const { rows } = await stack.pool.query('SELECT row_to_json(s)::text AS dump FROM secrets s WHERE name = $1', [
      name,
    ]);
    expect(rows[0].dump).not.toContain(replaced);

    expect(keep(await stack.http.delete(`/api/secrets/${name}`)).status).toBe(204);
    expect(keep(await stack.http.delete(`/api/secrets/${name}`)).status).toBe(404);
    const after = keep(await stack.http.get('/api/secrets'));
    expect((after.body.items as { name: string }[]).map((candidate) => candidate.name)).not.toContain(name);

    for (const res of answers) {
      expect(JSON.stringify([res.body, res.headers])).not.toContain(value);
      expect(JSON.stringify([res.body, res.headers])).not.toContain(replaced);
    }
  });

  it('is for super_admin only', async () => {
    const name = unique('guarded');
    expect((await stack.http.put(`/api/secrets/${name}`).send({ value: 'x' })).status).toBe(204);
    for (const role of ['workflow_editor', 'integration', 'viewer'] as const) {
      expect({ role, status: (await as(role).get('/api/secrets')).status }).toEqual({ role, status: 403 });
      const put = await as(role).put(`/api/secrets/${name}`).send({ value: 'mine' });
      expect({ role, status: put.status }).toEqual({ role, status: 403 });
      expect({ role, status: (await as(role).delete(`/api/secrets/${name}`)).status }).toEqual({ role, status: 403 });
    }
    expect((await supertest(stack.api.url).get('/api/secrets')).status).toBe(401);
  });

  it.each([
    ['an empty value', 'ok-name', { value: '' }, 'body.value'],
    ['a value with a line break', 'ok-name', { value: 'abc\r\nX-Evil: 1' }, 'body.value'],
    ['a value over 8 KiB', 'ok-name', { value: 'é'.repeat(4_097) }, 'body.value'],
    ['a value that is not a string', 'ok-name', { value: 42 }, 'body.value'],
    ['another field', 'ok-name', { value: 'x', note: 'y' }, 'body'],
    ['a name with a space', 'bad%20name', { value: 'x' }, 'params.name'],
    ['a name over 64 characters', 'n'.repeat(65), { value: 'x' }, 'params.name'],
  ])('refuses %s with a 400 naming the field, without echoing the value', async (_what, name, body, path) => {
    const res = await stack.http.put(`/api/secrets/${name}`).send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    if (typeof body.value === 'string' && body.value.length > 1)
      expect(JSON.stringify(res.body)).not.toContain(body.value);
    const listed = await stack.http.get('/api/secrets');
    expect((listed.body.items as { name: string }[]).map((item) => item.name)).not.toContain(name);
  });

  it('answers 404 when deleting a secret that does not exist, or cannot', async () => {
    expect((await stack.http.delete(`/api/secrets/${unique('never')}`)).status).toBe(404);
    expect((await stack.http.delete('/api/secrets/bad%20name')).status).toBe(404);
  });

  describe('in workflow definitions', () => {
    let pipelineId: string;
    beforeAll(async () => {
      pipelineId = await createDealPipeline(stack);
    });

    const define = (actions: object[]) =>
      stack.http.post('/api/workflows').send({
        id: unique('wf'),
        pipelineId,
        name: 'Secrets',
        trigger: { type: 'stage_entered', stageId: 'qualified' },
        actions,
      });
    const webhook = (config: object) => ({ id: 'hook', type: 'webhook', config });

    it('accepts secrets in a webhook url path or query and in header values', async () => {
      const res = await define([
        webhook({
          url: 'https://hooks.example.com/services/{{secrets.slack_path}}?token={{ secrets.api.token }}',
          headers: { Authorization: 'Bearer {{secrets.api.token}}' },
          body: { recordId: '{{record.id}}' },
        }),
      ]);
      expect(res.status).toBe(201);
    });

    it.each([
      [
        'a placeholder as the host',
        [webhook({ url: 'http://{{record.properties.host}}/hook' })],
        'actions[0].config.url',
        /only in the path and query/,
      ],
      [
        'a placeholder in part of the host',
        [webhook({ url: 'https://api.{{record.properties.region}}.example.com/hook' })],
        'actions[0].config.url',
        /only in the path and query/,
      ],
      [
        'a secret as part of the host',
        [webhook({ url: 'https://{{secrets.tenant}}.example.com/hook' })],
        'actions[0].config.url',
        /only in the path and query/,
      ],
      [
        'a secret in a webhook body',
        [webhook({ url: 'https://example.com/hook', body: { token: '{{secrets.api}}' } })],
        'actions[0].config.body.token',
        /only in a webhook url or header value/,
      ],
      [
        'a secret in a task title',
        [{ id: 'task', type: 'create_task', config: { title: 'Call back {{secrets.api}}' } }],
        'actions[0].config.title',
        /only in a webhook url or header value/,
      ],
      [
        'a secret in a notification body',
        [
          {
            id: 'note',
            type: 'send_internal_notification',
            config: { to: { users: ['ann@example.com'] }, subject: 'Hi', body: 'key: {{ secrets.api }}' },
          },
        ],
        'actions[0].config.body',
        /only in a webhook url or header value/,
      ],
      [
        'a secret in a nested set_property',
        [
          {
            id: 'split',
            type: 'branch_if',
            config: {
              conditions: { all: [{ property: 'amount', operator: 'known' }] },
              then: [{ id: 'prop', type: 'set_property', config: { property: 'k', value: '{{secrets.api}}' } }],
            },
          },
        ],
        'split.then[0].config.value',
        /only in a webhook url or header value/,
      ],
      [
        'a secret name that cannot exist',
        [webhook({ url: 'https://example.com/hook', headers: { 'X-Key': '{{secrets.no/slash}}' } })],
        'actions[0].config.headers.X-Key',
        /is not a secret name/,
      ],
    ])('refuses %s with a 422 naming the field', async (_what, actions, path, message) => {
      const res = await define(actions);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(message) })]),
      );
    });

    it('refuses the same when an action is added or edited', async () => {
      const workflowId = await createWorkflow(stack, {
        pipelineId,
        name: 'Edited',
        trigger: { type: 'stage_entered', stageId: 'qualified' },
        actions: [webhook({ url: 'https://example.com/hook' })],
      });
      const edited = await stack.http
        .patch(`/api/workflows/${workflowId}/actions/hook`)
        .send({ config: { url: 'https://{{record.properties.host}}/hook' } });
      expect(edited.status).toBe(422);
      expect(edited.body.errors).toEqual([expect.objectContaining({ path: 'actions[0].config.url' })]);

      const added = await stack.http
        .post(`/api/workflows/${workflowId}/actions`)
        .send({ action: { id: 'task', type: 'create_task', config: { title: '{{secrets.api}}' } } });
      expect(added.status).toBe(422);
      expect(added.body.errors).toEqual([expect.objectContaining({ path: 'actions[1].config.title' })]);

      const stored = await stack.http.get(`/api/workflows/${workflowId}`);
      expect(stored.body.version).toBe(1);
      expect(stored.body.actions).toEqual([
        expect.objectContaining({ config: { url: 'https://example.com/hook', method: 'POST' } }),
      ]);
    });
  });

  it('shows webhook header values only to roles that may configure workflows', async () => {
    const pipelineId = await createDealPipeline(stack);
    const headers = { Authorization: 'Bearer hard-coded-credential', 'X-Key': '{{secrets.api}}' };
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Redacted',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        { id: 'hook', type: 'webhook', config: { url: 'https://example.com/hook', headers } },
        {
          id: 'split',
          type: 'branch_if',
          config: {
            conditions: { all: [{ property: 'amount', operator: 'known' }] },
            then: [{ id: 'inner', type: 'webhook', config: { url: 'https://example.com/inner', headers } }],
          },
        },
      ],
    });
    const redacted = { Authorization: '[redacted]', 'X-Key': '[redacted]' };
    const headersOf = (workflow: {
      actions: { config: { headers?: object; then?: { config: { headers?: object } }[] } }[];
    }) => [workflow.actions[0]?.config.headers, workflow.actions[1]?.config.then?.[0]?.config.headers];

    const forViewer = await as('viewer').get(`/api/workflows/${workflowId}`);
    expect(forViewer.status).toBe(200);
    expect(headersOf(forViewer.body)).toEqual([redacted, redacted]);
    const listedForViewer = await as('viewer').get(`/api/workflows?pipelineId=${pipelineId}`);
    expect(listedForViewer.body.items).toHaveLength(1);
    expect(headersOf(listedForViewer.body.items[0])).toEqual([redacted, redacted]);
    const revisions = await as('viewer').get(`/api/workflows/${workflowId}/revisions`);
    for (const res of [forViewer, listedForViewer, revisions]) {
      expect(JSON.stringify(res.body)).not.toContain('hard-coded-credential');
    }

    for (const caller of [as('workflow_editor'), stack.http]) {
      expect(headersOf((await caller.get(`/api/workflows/${workflowId}`)).body)).toEqual([headers, headers]);
      const listed = await caller.get(`/api/workflows?pipelineId=${pipelineId}`);
      expect(headersOf(listed.body.items[0])).toEqual([headers, headers]);
    }
  });
});
