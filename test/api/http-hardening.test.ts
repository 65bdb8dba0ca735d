import net from 'node:net';
import supertest from 'supertest';
import { type ApiDeps, createApp } from '../../src/api/app';
import { upsertToken } from '../../src/db/tokens';
import { freePort } from '../../src/net';
import { makeId, startApiRuntime } from '../../src/runtime';
import { lazyTemporalClient } from '../../src/temporal/client';
import { ADMIN_TOKEN } from '../support/env';
import { createDealPipeline } from '../support/fixtures';
import { DEFAULT_API_SETTINGS, newSecretsKey, startTestStack, type TestStack, unique } from '../support/stack';

/** What one request or one client can make the API do before it is refused (docs/security.md). */
describe('HTTP hardening: the token before the body, rate limits, timeouts, headers, what anonymous callers see', () => {
  let stack: TestStack;
  let pipelineId: string;

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    pipelineId = await createDealPipeline(stack);
  });
  afterAll(async () => {
    await stack.stop();
  });

  /** An app of its own on the stack's database and Temporal, with these settings. */
  const appWith = (settings: Partial<ApiDeps['settings']>, deps: Partial<ApiDeps> = {}) =>
    supertest(
      createApp({
        pool: stack.pool,
        temporal: stack.temporal,
        taskQueue: stack.taskQueue,
        log: stack.log,
        newId: makeId,
        clock: () => new Date(),
        secretsKey: newSecretsKey(),
        settings: { ...DEFAULT_API_SETTINGS, ...settings },
        ...deps,
      }),
    );

  it('checks the token before reading the body: no token costs no parsing, however large or broken the body', async () => {
    const anonymous = supertest(stack.api.url);
    const broken = await anonymous.post('/api/records').set('Content-Type', 'application/json').send('{"not json');
    expect(broken.status).toBe(401);
    const huge = await anonymous
      .post('/api/records')
      .set('Authorization', 'Bearer not-a-token')
      .set('Content-Type', 'application/json')
      .send(`{"properties":{"blob":"${'x'.repeat(2 * 1024 * 1024)}"}}`);
    expect(huge.status).toBe(401);
    // With a valid token the same bodies get their own answers.
    const parsed = await stack.http.post('/api/records').set('Content-Type', 'application/json').send('{"not json');
    expect(parsed.status).toBe(400);
  });

  it('says how to authenticate without naming files of the server', async () => {
    const answer = await supertest(stack.api.url).get('/api/pipelines');
    expect(answer.status).toBe(401);
    expect(answer.body.detail).toBe('Send Authorization: Bearer <token> with an API token.');
    expect(JSON.stringify(answer.body)).not.toMatch(/admin-token|\.data|\//);
  });

  it('stops taking a deleted token at once', async () => {
    const created = await stack.http.post('/api/tokens').send({ name: unique('short-lived'), role: 'viewer' });
    const token = created.body.token as string;
    const asToken = () => supertest(stack.api.url).get('/api/pipelines').set('Authorization', `Bearer ${token}`);
    expect((await asToken()).status).toBe(200);
    expect((await stack.http.delete(`/api/tokens/${created.body.id}`)).status).toBe(204);
    expect((await asToken()).status).toBe(401);
  });

  it('limits each token to its requests per minute with 429 and Retry-After; other tokens go on', async () => {
    const other = unique('other-token-0123456789');
    await upsertToken(stack.pool, { id: unique('tok'), name: 'other', role: 'viewer', secret: other });
    const http = appWith({ rateLimits: { perToken: 5, authFailures: 0 } });
    const get = (token: string) => http.get('/api/pipelines').set('Authorization', `Bearer ${token}`);
    for (let index = 0; index < 5; index += 1) expect((await get(ADMIN_TOKEN)).status).toBe(200);
    const refused = await get(ADMIN_TOKEN);
    expect(refused.status).toBe(429);
    expect(refused.type).toBe('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.detail).toMatch(/^This token sent more than 5 requests in a minute\. Retry after \d+ s\.$/);
    expect((await get(other)).status).toBe(200);
  });

  it('limits requests without a valid token per address, before looking the token up', async () => {
    const http = appWith({ rateLimits: { perToken: 0, authFailures: 3 } });
    const guess = (token: string) => http.get('/api/pipelines').set('Authorization', `Bearer ${token}`);
    for (let index = 0; index < 3; index += 1) expect((await guess(`guess-${index}`)).status).toBe(401);
    const refused = await guess('guess-4');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.body.detail).toMatch(/requests without a valid token/);
  });

  it('sends no-sniff, frame denial and a content security policy on every response', async () => {
    const anonymous = supertest(stack.api.url);
    for (const answer of [
      await anonymous.get('/healthz'),
      await anonymous.get('/api/pipelines'),
      await anonymous.get('/nowhere'),
      await stack.http.get(`/api/pipelines/${pipelineId}`),
    ]) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('tells anonymous callers of /readyz only what is unavailable, not why', async () => {
    const closedPort = await freePort();
    const temporal = lazyTemporalClient({ address: `127.0.0.1:${closedPort}`, namespace: 'default' });
    try {
      const answer = await appWith({}, { temporal }).get('/readyz');
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ status: 'not ready', postgres: 'ok', temporal: 'unavailable' });
    } finally {
      await temporal.connection.close().catch(() => undefined);
    }
  });

  it('protects /metrics with METRICS_TOKEN when it is set', async () => {
    const http = appWith({ metricsToken: 'metrics-token-0123456789' });
    expect((await http.get('/metrics')).status).toBe(401);
    expect((await http.get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789')).status).toBe(401);
    const scraped = await http.get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789');
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('pipewright_enrollments_started');
    expect((await appWith({}).get('/metrics')).status).toBe(200);
  });

  it('closes a connection whose headers do not arrive in time, with 408', async () => {
    const api = await startApiRuntime({
      port: 0,
      pool: stack.pool,
      temporal: stack.temporal,
      taskQueue: stack.taskQueue,
      log: stack.log,
      relayPollMs: 60_000,
      secretsKey: newSecretsKey(),
      settings: DEFAULT_API_SETTINGS,
      timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 100 },
    });
    try {
      const { port } = new URL(api.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1', () =>
          socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'),
        );
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await api.stop();
    }
  });
});
