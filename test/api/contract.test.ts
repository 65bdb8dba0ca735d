import { upsertToken } from '../../src/db/tokens';
import { createDealPipeline, createRecord } from '../support/fixtures';
import { startTestStack, type TestStack, unique } from '../support/stack';
import supertest from 'supertest';

describe('HTTP contract: auth, validation and errors', () => {
  let stack: TestStack;
  let pipelineId: string;
  const viewerToken = 'viewer-token-0123456789';
  const integrationToken = 'integration-token-0123456789';

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    pipelineId = await createDealPipeline(stack);
    await upsertToken(stack.pool, { id: 'viewer', name: 'viewer', role: 'viewer', secret: viewerToken });
    await upsertToken(stack.pool, {
      id: 'integration',
      name: 'crm-sync',
      role: 'integration',
      secret: integrationToken,
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const anonymous = () => supertest(stack.api.url);
  const as = (token: string) => ({
    get: (path: string) => anonymous().get(path).set('Authorization', `Bearer ${token}`),
    post: (path: string) => anonymous().post(path).set('Authorization', `Bearer ${token}`),
  });

  it('serves health and readiness without a token', async () => {
    expect((await anonymous().get('/healthz')).status).toBe(200);
    const ready = await anonymous().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ postgres: 'ok', temporal: 'ok' });
  });

  it('answers 401 without a token or with an unknown one, as problem+json', async () => {
    const missing = await anonymous().get('/api/pipelines');
    expect(missing.status).toBe(401);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect((await as('nope-not-a-token').get('/api/pipelines')).status).toBe(401);
  });

  it('answers 403 when the role is too low, and lets each role do its part', async () => {
    const pipeline = { objectType: 'deal', label: 'X', stages: [{ label: 'A' }] };
    expect((await as(viewerToken).post('/api/pipelines').send(pipeline)).status).toBe(403);
    expect((await as(viewerToken).get('/api/pipelines')).status).toBe(200);
    expect((await as(integrationToken).post('/api/pipelines').send(pipeline)).status).toBe(403);
    expect((await as(integrationToken).get('/api/workflows')).status).toBe(403);
    const record = await as(integrationToken).post('/api/records').send({ pipelineId, stageId: 'new' });
    expect(record.status).toBe(201);
    expect((await as(integrationToken).get(`/api/records/${record.body.id}`)).status).toBe(200);
    expect((await as(viewerToken).post('/api/records').send({ pipelineId, stageId: 'new' })).status).toBe(403);
  });

  it('rejects malformed JSON with 400 and bodies over 1 MiB with 413', async () => {
    const malformed = await stack.http
      .post('/api/pipelines')
      .set('Content-Type', 'application/json')
      .send('{"label": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.title).toBe('Malformed JSON');
    const huge = await stack.http
      .post('/api/records')
      .send({ pipelineId, stageId: 'new', properties: { blob: 'x'.repeat(1_100_000) } });
    expect(huge.status).toBe(413);
  });

  it('answers 400, not 500, for JSON nested thousands deep, naming the field, and stores nothing', async () => {
    const id = unique('deep');
    const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const deepAction = (depth: number) =>
      '{"type":"branch_if","config":{"conditions":{"all":[{"property":"x","operator":"known"}]},"then":['.repeat(
        depth,
      ) +
      '{"type":"create_task","config":{"title":"deep"}}' +
      '],"else":[]}}'.repeat(depth);
    const record = await stack.http
      .post('/api/records')
      .set('Content-Type', 'application/json')
      .send(`{"id":"${id}","pipelineId":"${pipelineId}","stageId":"new","properties":{"deep":${deepObject(5_000)}}}`);
    expect(record.status).toBe(400);
    expect(record.body.errors[0].path).toMatch(/^body\.properties\.deep\.a\.a/);
    expect(record.body.errors[0].message).toMatch(/deeper than 100 levels/);
    expect((await stack.http.get(`/api/records/${id}`)).status).toBe(404);
    const workflow = await stack.http
      .post('/api/workflows')
      .set('Content-Type', 'application/json')
      .send(
        `{"pipelineId":"${pipelineId}","name":"Deep","trigger":{"type":"stage_entered","stageId":"new"},` +
          `"actions":[${deepAction(2_000)}]}`,
      );
    expect(workflow.status).toBe(400);
    expect(workflow.body.errors[0].path).toMatch(/^body\.actions\[0\]\.config\.then\[0\]/);
    // Branches nested 10 deep are fine; an 11th level is refused, naming where it starts.
    const create = (name: string, depth: number) =>
      stack.http
        .post('/api/workflows')
        .set('Content-Type', 'application/json')
        .send(
          `{"pipelineId":"${pipelineId}","name":"${name}","trigger":{"type":"stage_entered","stageId":"new"},` +
            `"actions":[${deepAction(depth)}]}`,
        );
    const nested = await create('Nested', 10);
    expect({ status: nested.status, errors: nested.body.errors }).toEqual({ status: 201, errors: undefined });
    const tooDeep = await create('Too deep', 11);
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body.errors).toEqual([
      {
        path: expect.stringMatching(/^act_\w+\.then\[0\]$/),
        message: expect.stringContaining('nested more than 10 deep'),
      },
    ]);
  });

  it('answers 400, not 500, for strings PostgreSQL cannot store (NUL, unpaired surrogates), naming the field', async () => {
    const id = unique('nul');
    const cases: [string, string, string, string][] = [
      [
        'post',
        '/api/records',
        `{"id":"${id}","pipelineId":"${pipelineId}","stageId":"new","properties":{"k":"a\\u0000b"}}`,
        'body.properties.k',
      ],
      ['post', '/api/pipelines', '{"objectType":"deal","label":"\\ud800","stages":[{"label":"A"}]}', 'body.label'],
      ['patch', `/api/records/${id}`, '{"properties":{"x\\udfffy":1}}', 'body.properties.x\udfffy'],
      ['post', '/api/email-templates', '{"name":"T","subject":"a\\u0000","body":"b"}', 'body.subject'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await stack.http[method as 'post' | 'patch'](path).set('Content-Type', 'application/json').send(body);
      expect({ path, status: res.status, field: res.body.errors?.[0]?.path }).toEqual({ path, status: 400, field });
    }
    expect((await stack.http.get(`/api/records/${id}`)).status).toBe(404);
    const query = await stack.http.get('/api/emails?to=%00');
    expect(query.status).toBe(400);
    expect(query.body.errors[0].path).toBe('query.to');
  });

  it('names each invalid field with a path and a reason', async () => {
    const res = await stack.http.post('/api/pipelines').send({ objectType: 'boat', label: '', stages: [] });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((error: { path: string }) => error.path);
    expect(paths).toEqual(expect.arrayContaining(['body.objectType', 'body.label', 'body.stages']));

    const workflow = await stack.http.post('/api/workflows').send({
      pipelineId,
      name: 'Bad action',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [
        { type: 'create_task', config: { title: '', dueIn: 'soon' } },
        { type: 'delay', config: { for: '99999999999999d' } },
      ],
    });
    expect(workflow.status).toBe(400);
    expect(workflow.body.errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining([
        'body.actions[0].config.title',
        'body.actions[0].config.dueIn',
        'body.actions[1].config.for',
      ]),
    );
  });

  it('answers 422 for a well-formed request that breaks a rule, naming the field or action', async () => {
    const record = await stack.http.post('/api/records').send({ pipelineId, stageId: 'nowhere' });
    expect(record.status).toBe(422);
    expect(record.body.errors[0].path).toBe('body.stageId');

    // A workflow that is off may be saved with a reference still to fix; turning it on checks everything.
    const draft = await stack.http.post('/api/workflows').send({
      pipelineId,
      name: 'Moves to a missing stage',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [
        { id: 'fine', type: 'create_task', config: { title: 'ok' } },
        { id: 'jump', type: 'set_stage', config: { stageId: 'nowhere' } },
      ],
    });
    expect(draft.status).toBe(201);
    const enable = await stack.http.post(`/api/workflows/${draft.body.id}/enable`);
    expect(enable.status).toBe(422);
    expect(enable.body.detail).toContain('jump');
    expect(enable.body.detail).not.toContain('fine');
    expect(enable.body.errors).toEqual([
      { path: 'actions[1].config.stageId', message: expect.stringContaining('action jump') },
    ]);
    expect((await stack.http.get(`/api/workflows/${draft.body.id}`)).body.enabled).toBe(false);
  });

  it('answers 404 for unknown ids and routes, and 409 for a taken id', async () => {
    expect((await stack.http.get('/api/records/missing-record')).status).toBe(404);
    expect((await stack.http.get('/api/workflows/missing-workflow')).status).toBe(404);
    expect((await stack.http.get('/api/pipelines/bad%2Fid')).status).toBe(404);
    expect((await stack.http.get('/api/nothing-here')).status).toBe(404);
    const id = await createRecord(stack, { pipelineId, stageId: 'new' });
    expect((await stack.http.post('/api/records').send({ id, pipelineId, stageId: 'new' })).status).toBe(409);
  });

  it('checks If-Match against the record version', async () => {
    const id = await createRecord(stack, { pipelineId, stageId: 'new', properties: { a: 1, b: 2 } });
    const stale = await stack.http
      .patch(`/api/records/${id}`)
      .set('If-Match', '7')
      .send({ properties: { a: 3 } });
    expect(stale.status).toBe(409);
    const fresh = await stack.http
      .patch(`/api/records/${id}`)
      .set('If-Match', '1')
      .send({ properties: { a: 3, b: null } });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ version: 2, properties: { a: 3 } });
    const unchanged = await stack.http.get(`/api/records/${id}`);
    expect(unchanged.body.version).toBe(2);
  });

  it('records a stage entry only when the stage changes', async () => {
    const id = await createRecord(stack, { pipelineId, stageId: 'new' });
    await stack.http.patch(`/api/records/${id}`).send({ properties: { note: 'no move' } });
    await stack.http.patch(`/api/records/${id}`).send({ stageId: 'new' });
    await stack.http.patch(`/api/records/${id}`).send({ stageId: 'won' });
    const { rows } = await stack.pool.query(
      `SELECT payload FROM outbox WHERE record_id = $1 AND type = 'stage_entered' ORDER BY id`,
      [id],
    );
    expect(rows.map((row) => row.payload.stageId)).toEqual(['new', 'won']);
  });

  it('changes only the enrollment rules and settings a workflow PATCH names', async () => {
    const window = { days: ['mon'], start: '09:00', end: '17:00', timezone: 'Europe/Paris' };
    const created = await stack.http.post('/api/workflows').send({
      pipelineId,
      name: 'Patched',
      trigger: { type: 'stage_entered', stageId: 'won' },
      enrollment: { reenroll: true },
      settings: { unenrollOnStageExit: false, executionWindow: window },
    });
    expect(created.body.enrollment).toEqual({ reenroll: true });
    const path = `/api/workflows/${created.body.id}`;
    const sources = await stack.http.patch(path).send({ enrollment: { includeSources: ['chat'] } });
    expect(sources.body.enrollment).toEqual({ reenroll: true, includeSources: ['chat'] });
    const named = await stack.http.patch(path).send({ settings: { unenrollOnStageExit: true } });
    expect(named.body.settings).toEqual({ unenrollOnStageExit: true, executionWindow: window, shards: 1 });
    const removed = await stack.http.patch(path).send({ settings: { executionWindow: null } });
    expect(removed.body.settings).toEqual({ unenrollOnStageExit: true, shards: 1 });
    const defaulted = await stack.http
      .post('/api/workflows')
      .send({ pipelineId, name: 'Defaults', trigger: { type: 'stage_entered', stageId: 'won' } });
    expect(defaulted.body).toMatchObject({
      enrollment: { reenroll: false },
      settings: { unenrollOnStageExit: true, shards: 1 },
    });
  });

  it('keeps a client-supplied id and makes one when it is absent', async () => {
    const own = unique('pl');
    const created = await stack.http.post('/api/pipelines').send({
      id: own,
      objectType: 'custom:projects',
      label: 'P',
      stages: [{ label: 'Open' }, { id: 'done', label: 'Done', state: 'closed' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toBe(own);
    expect(created.body.stages[0]).toEqual({ id: expect.stringMatching(/^st_/), label: 'Open', state: 'open' });
    expect((await stack.http.get(`/api/pipelines/${own}`)).body).toEqual(created.body);
  });

  it('pages every list with limit and cursor, and rejects a cursor it did not make', async () => {
    // A pipeline without workflows: the timeline holds exactly the five stage entries, written with each change.
    const id = await createRecord(stack, { pipelineId: await createDealPipeline(stack), stageId: 'new' });
    for (const stageId of ['qualified', 'won', 'new', 'qualified']) {
      await stack.http.patch(`/api/records/${id}`).send({ stageId }).expect(200);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await stack.http.get(`/api/records/${id}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((line: { detail: string }) => line.detail));
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = await stack.http.get(`/api/records/${id}/timeline`);
    expect(seen).toEqual(all.body.items.map((line: { detail: string }) => line.detail));
    expect(seen).toHaveLength(5);
    expect(all.body.nextCursor).toBeUndefined();

    const firstPage = await stack.http.get('/api/pipelines?limit=1');
    expect(firstPage.body.items).toHaveLength(1);
    expect(firstPage.body.nextCursor).toEqual(expect.any(String));
    const bad = await stack.http.get('/api/pipelines?cursor=bm90LWEtY3Vyc29y');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('query.cursor');
    expect((await stack.http.get('/api/tasks?limit=0')).status).toBe(400);
    expect((await stack.http.get('/api/tasks?limit=501')).status).toBe(400);
  });

  it('gives every response a request id: the one the caller sent when sane, a new one otherwise', async () => {
    const own = await stack.http.get('/api/pipelines').set('X-Request-Id', 'trace-123');
    expect(own.headers['x-request-id']).toBe('trace-123');
    const made = await anonymous().get('/healthz').set('X-Request-Id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
