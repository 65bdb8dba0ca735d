import supertest from 'supertest';
import { createDealPipeline, createRecord } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

type Role = 'super_admin' | 'workflow_editor' | 'integration' | 'viewer';
const ROLES: Role[] = ['super_admin', 'workflow_editor', 'integration', 'viewer'];
const READ: Role[] = ['super_admin', 'workflow_editor', 'viewer'];
const CONFIGURE: Role[] = ['super_admin', 'workflow_editor'];
const INGEST: Role[] = ['super_admin', 'integration'];
const RECORD_READ: Role[] = ['super_admin', 'workflow_editor', 'viewer', 'integration'];
const ADMIN: Role[] = ['super_admin'];

/** Every /api route with the roles that may call it (docs/api.md, "Auth and roles"). */
const MATRIX: [method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, allowed: Role[]][] = [
  ['post', '/api/pipelines', CONFIGURE],
  ['get', '/api/pipelines', READ],
  ['get', '/api/pipelines/p-x', READ],
  ['get', '/api/pipelines/p-x/ticket-status-automation', READ],
  ['put', '/api/pipelines/p-x/ticket-status-automation', CONFIGURE],
  ['post', '/api/records', INGEST],
  ['get', '/api/records/r-x', RECORD_READ],
  ['patch', '/api/records/r-x', INGEST],
  ['get', '/api/records/r-x/timeline', RECORD_READ],
  ['post', '/api/events/email', INGEST],
  ['post', '/api/workflows', CONFIGURE],
  ['get', '/api/workflows', READ],
  ['get', '/api/workflows/w-x', READ],
  ['patch', '/api/workflows/w-x', CONFIGURE],
  ['delete', '/api/workflows/w-x', CONFIGURE],
  ['post', '/api/workflows/w-x/enable', CONFIGURE],
  ['post', '/api/workflows/w-x/disable', CONFIGURE],
  ['get', '/api/workflows/w-x/revisions', READ],
  ['get', '/api/workflows/w-x/revisions/1', READ],
  ['post', '/api/workflows/w-x/revisions/1/restore', CONFIGURE],
  ['get', '/api/workflows/w-x/enrollments', READ],
  ['post', '/api/workflows/w-x/enrollments', CONFIGURE],
  ['post', '/api/workflows/w-x/enrollments/unenroll', CONFIGURE],
  ['get', '/api/workflows/w-x/issues', READ],
  ['post', '/api/workflows/w-x/actions', CONFIGURE],
  ['patch', '/api/workflows/w-x/actions/a-x', CONFIGURE],
  ['delete', '/api/workflows/w-x/actions/a-x', CONFIGURE],
  ['post', '/api/workflows/w-x/actions/a-x/comments', CONFIGURE],
  ['get', '/api/workflows/w-x/actions/a-x/comments', READ],
  ['get', '/api/email-templates', READ],
  ['get', '/api/email-templates/ticket_received', READ],
  ['post', '/api/email-templates', CONFIGURE],
  ['put', '/api/email-templates/t-x', CONFIGURE],
  ['delete', '/api/email-templates/t-x', CONFIGURE],
  ['get', '/api/tasks', READ],
  ['get', '/api/emails', READ],
  ['post', '/api/tokens', ADMIN],
  ['get', '/api/tokens', ADMIN],
  ['delete', '/api/tokens/t-x', ADMIN],
  ['put', '/api/secrets/s-x', ADMIN],
  ['get', '/api/secrets', ADMIN],
  ['delete', '/api/secrets/s-x', ADMIN],
];

describe('roles, tokens and idempotency', () => {
  let stack: TestStack;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    for (const role of ROLES) {
      const res = await stack.http.post('/api/tokens').send({ name: `${role} token`, role });
      expect(res.status).toBe(201);
      tokens[role] = res.body.token;
    }
  });
  afterAll(async () => {
    await stack.stop();
  });

  const call = (method: (typeof MATRIX)[number][0], path: string, token?: string) => {
    const request = supertest(stack.api.url)[method](path);
    return token ? request.set('Authorization', `Bearer ${token}`) : request;
  };

  it.each(MATRIX)(
    '%s %s: allowed for its roles, 403 for the others, 401 without a token',
    async (method, path, allowed) => {
      expect((await call(method, path)).status).toBe(401);
      for (const role of ROLES) {
        const { status } = await call(method, path, tokens[role]).send({});
        if (allowed.includes(role)) expect([401, 403]).not.toContain(status);
        else expect({ role, status }).toEqual({ role, status: 403 });
      }
    },
  );

  it('shows a token secret once, stores only its hash, lists tokens without secrets and deletes them', async () => {
    const created = await stack.http.post('/api/tokens').send({ name: 'ci', role: 'viewer' });
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'ci',
      role: 'viewer',
      token: expect.stringMatching(/^pw_/),
    });
    const stored = await stack.pool.query('SELECT token_hash FROM api_tokens WHERE id = $1', [created.body.id]);
    expect(stored.rows[0].token_hash).not.toContain(created.body.token);
    const listed = await stack.http.get('/api/tokens');
    expect(listed.body.items).toContainEqual({
      id: created.body.id,
      name: 'ci',
      role: 'viewer',
      createdAt: expect.any(String),
    });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);

    expect((await call('get', '/api/pipelines', created.body.token)).status).toBe(200);
    expect((await stack.http.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
    expect((await call('get', '/api/pipelines', created.body.token)).status).toBe(401);
    expect((await stack.http.delete(`/api/tokens/${created.body.id}`)).status).toBe(404);
    expect((await stack.http.post('/api/tokens').send({ name: 'x', role: 'root' })).status).toBe(400);
  });

  it('answers a repeated record creation with the same Idempotency-Key with the first response, and creates once', async () => {
    const pipelineId = await createDealPipeline(stack);
    const key = `create-${pipelineId}`;
    const first = await stack.http
      .post('/api/records')
      .set('Idempotency-Key', key)
      .send({ pipelineId, stageId: 'new' });
    const [again, racing] = await Promise.all([
      stack.http.post('/api/records').set('Idempotency-Key', key).send({ pipelineId, stageId: 'new' }),
      stack.http.post('/api/records').set('Idempotency-Key', key).send({ pipelineId, stageId: 'new' }),
    ]);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(racing.body).toEqual(first.body);
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM records WHERE pipeline_id = $1', [
      pipelineId,
    ]);
    expect(rows[0].n).toBe(1);
    const other = await createRecord(stack, { pipelineId, stageId: 'new' });
    expect(other).not.toBe(first.body.id);
  });

  it('answers a repeated stage change with the same Idempotency-Key with the first response, and moves once', async () => {
    const pipelineId = await createDealPipeline(stack);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });
    const move = (stageId: string, key: string) =>
      stack.http.patch(`/api/records/${recordId}`).set('Idempotency-Key', key).send({ stageId });
    const first = await move('qualified', `move-${recordId}-1`);
    expect((await move('won', `move-${recordId}-2`)).body.stageId).toBe('won');
    // A client that never saw the first answer sends it again: it must not move the record back.
    const again = await move('qualified', `move-${recordId}-1`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await stack.http.get(`/api/records/${recordId}`)).body.stageId).toBe('won');
    const { rows } = await stack.pool.query(
      `SELECT count(*)::int AS n FROM timeline WHERE record_id = $1 AND kind = 'stage_entered'`,
      [recordId],
    );
    expect(rows[0].n).toBe(3);
  });
});
