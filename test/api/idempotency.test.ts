import supertest from 'supertest';
import { createDealPipeline, createRecord } from '../support/fixtures';
import { startTestStack, type TestStack, unique } from '../support/stack';

/** `Idempotency-Key` (docs/api.md, "Conventions"): per token, per request, for 24 hours. */
describe('Idempotency-Key', () => {
  let stack: TestStack;
  let pipelineId: string;
  const integrations: { id: string; token: string }[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    pipelineId = await createDealPipeline(stack);
    for (const name of ['crm-sync', 'forms']) {
      const res = await stack.http.post('/api/tokens').send({ name, role: 'integration' });
      expect(res.status).toBe(201);
      integrations.push({ id: res.body.id, token: res.body.token });
    }
  });
  afterAll(async () => {
    await stack.stop();
  });

  const as = (token: string) => ({
    post: (path: string) => supertest(stack.api.url).post(path).set('Authorization', `Bearer ${token}`),
    patch: (path: string) => supertest(stack.api.url).patch(path).set('Authorization', `Bearer ${token}`),
  });
  const first = () => integrations[0]!.token;
  const second = () => integrations[1]!.token;
  const recordsWith = async (property: string, value: string): Promise<string[]> => {
    const { rows } = await stack.pool.query<{ id: string }>(
      `SELECT id FROM records WHERE pipeline_id = $1 AND properties->>$2 = $3 ORDER BY id`,
      [pipelineId, property, value],
    );
    return rows.map((row) => row.id);
  };

  it('is scoped to the token: two integrations sending the same key each create their own record', async () => {
    const key = unique('key');
    const tag = unique('tag');
    const a = await as(first())
      .post('/api/records')
      .set('Idempotency-Key', key)
      .send({
        pipelineId,
        stageId: 'new',
        properties: { tag, from: 'crm-sync' },
      });
    const b = await as(second())
      .post('/api/records')
      .set('Idempotency-Key', key)
      .send({
        pipelineId,
        stageId: 'new',
        properties: { tag, from: 'forms' },
      });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.properties.from).toBe('forms');
    expect(await recordsWith('tag', tag)).toEqual([a.body.id, b.body.id].sort());
  });

  it('answers 422 naming the header to the same key with another body, and creates nothing', async () => {
    const key = unique('key');
    const tag = unique('tag');
    const created = await as(first())
      .post('/api/records')
      .set('Idempotency-Key', key)
      .send({ pipelineId, stageId: 'new', properties: { tag, n: 1 } });
    expect(created.status).toBe(201);
    const reused = await as(first())
      .post('/api/records')
      .set('Idempotency-Key', key)
      .send({ pipelineId, stageId: 'new', properties: { tag, n: 2 } });
    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(reused.body.errors).toEqual([{ path: 'headers.idempotency-key', message: expect.any(String) }]);
    expect(await recordsWith('tag', tag)).toEqual([created.body.id]);
  });

  it('answers 422 to the same key on another route, and changes nothing', async () => {
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });
    const key = unique('key');
    const created = await as(first())
      .post('/api/records')
      .set('Idempotency-Key', key)
      .send({ pipelineId, stageId: 'new' });
    expect(created.status).toBe(201);
    const moved = await as(first())
      .patch(`/api/records/${recordId}`)
      .set('Idempotency-Key', key)
      .send({ stageId: 'qualified' });
    expect(moved.status).toBe(422);
    expect((await stack.http.get(`/api/records/${recordId}`)).body.stageId).toBe('new');
  });

  it('gives the first answer to the same key with the same body, whatever the order of its keys', async () => {
    const key = unique('key');
    const tag = unique('tag');
    const created = await as(first())
      .post('/api/records')
      .set('Idempotency-Key', key)
      .send({ pipelineId, stageId: 'new', properties: { tag, a: 1, b: 2 } });
    const again = await as(first())
      .post('/api/records')
      .set('Idempotency-Key', key)
      .send({ properties: { b: 2, a: 1, tag }, stageId: 'new', pipelineId });
    expect(created.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(created.body);
    expect(await recordsWith('tag', tag)).toEqual([created.body.id]);
  });

  it('answers five concurrent creates with the same key alike, with one record', async () => {
    const key = unique('key');
    const tag = unique('tag');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        as(first())
          .post('/api/records')
          .set('Idempotency-Key', key)
          .send({ pipelineId, stageId: 'new', properties: { tag } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    const ids = await recordsWith('tag', tag);
    expect(ids).toHaveLength(1);
    for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body);
    expect(answers[0]!.body.id).toBe(ids[0]);
  });

  it('answers five concurrent creates of a record with its own id alike, with one record', async () => {
    const key = unique('key');
    const id = unique('rec');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        as(first()).post('/api/records').set('Idempotency-Key', key).send({ id, pipelineId, stageId: 'new' }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body);
  });

  it('forgets an answer after 24 hours: the key then acts as new and stores the new answer', async () => {
    const key = unique('key');
    const tag = unique('tag');
    const send = () =>
      as(first())
        .post('/api/records')
        .set('Idempotency-Key', key)
        .send({ pipelineId, stageId: 'new', properties: { tag } });
    const old = await send();
    expect(old.status).toBe(201);
    await stack.pool.query(
      `UPDATE idempotent_responses SET created_at = now() - interval '24 hours 1 minute' WHERE token_id = $1 AND key = $2`,
      [integrations[0]!.id, key],
    );
    const fresh = await send();
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(old.body.id);
    expect((await send()).body).toEqual(fresh.body);
    expect(await recordsWith('tag', tag)).toEqual([old.body.id, fresh.body.id].sort());
  });

  it('purges expired answers of any token as new ones are stored', async () => {
    const stale = unique('stale');
    await stack.pool.query(
      `INSERT INTO idempotent_responses (token_id, key, request_hash, status, body, created_at)
       SELECT $1, 'k' || n, 'h', 201, '{}', now() - interval '3 days' FROM generate_series(1, 5) AS n`,
      [stale],
    );
    const created = await as(first())
      .post('/api/records')
      .set('Idempotency-Key', unique('key'))
      .send({ pipelineId, stageId: 'new' });
    expect(created.status).toBe(201);
    const { rows } = await stack.pool.query('SELECT key FROM idempotent_responses WHERE token_id = $1', [stale]);
    expect(rows).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'a b'],
    ['over 200 characters', 'k'.repeat(201)],
    ['not ASCII', 'clé'],
  ])('refuses a key that is %s with 400 naming the header, and creates nothing', async (_what, key) => {
    const tag = unique('tag');
    const res = await as(first())
      .post('/api/records')
      .set('Idempotency-Key', key)
      .send({ pipelineId, stageId: 'new', properties: { tag } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'headers.idempotency-key', message: expect.any(String) }]);
    expect(await recordsWith('tag', tag)).toEqual([]);
  });

  it('scopes email events by token and body too', async () => {
    const ticketPipeline = unique('tickets');
    await stack.http.post('/api/pipelines').send({
      id: ticketPipeline,
      objectType: 'ticket',
      label: 'Support',
      stages: [{ id: 'new', label: 'New' }],
    });
    const ticket = await createRecord(stack, { pipelineId: ticketPipeline, stageId: 'new' });
    const event = (messageId: string) => ({
      ticketId: ticket,
      messageId,
      threadId: 'thread-1',
      direction: 'inbound',
      from: 'customer@example.com',
      to: 'support@example.com',
    });
    const key = unique('key');
    const a = await as(first()).post('/api/events/email').set('Idempotency-Key', key).send(event('m-1'));
    const b = await as(second()).post('/api/events/email').set('Idempotency-Key', key).send(event('m-2'));
    const reused = await as(first()).post('/api/events/email').set('Idempotency-Key', key).send(event('m-3'));
    expect([a.status, b.status, reused.status]).toEqual([202, 202, 422]);
    const { rows } = await stack.pool.query<{ message_id: string }>(
      `SELECT payload->>'messageId' AS message_id FROM email_events WHERE ticket_id = $1 ORDER BY 1`,
      [ticket],
    );
    expect(rows.map((row) => row.message_id)).toEqual(['m-1', 'm-2']);
  });
});
