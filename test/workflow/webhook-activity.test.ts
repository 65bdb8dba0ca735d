import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { WebhookPolicy } from '../../activities';
import { createWebhookActivities, WebhookErrors } from '../../activities/webhook';
import { createPool, type Pool } from '../../src/db/pool';
import { listTimeline } from '../../src/db/timeline';
import type { ActionRunInput } from '../../src/domain';
import type { WebhookConfig } from '../../src/domain/webhook';
import { createLogger } from '../../src/log';
import type { Mailer } from '../../src/mail/mailer';
import { insertDealRecord } from '../support/fixtures';
import { createTestDatabase, unique } from '../support/stack';

interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver on loopback whose path says how to answer; it remembers every request it got. */
async function startReceiver() {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      seen.push({ method: req.method ?? '', url: path, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const earlier = seen.filter((request) => request.url === path).length - 1;
      if (path.startsWith('/hang')) return; // never answers
      if (path.startsWith('/busy')) res.writeHead(429, { 'Retry-After': '7' });
      else if (path.startsWith('/error')) res.writeHead(500);
      else if (path.startsWith('/missing')) res.writeHead(404);
      else if (path.startsWith('/flaky')) res.writeHead(earlier === 0 ? 503 : 200);
      else res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    port,
    base: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** The failure a call ends with; fails the test if the call succeeds or throws something else. */
async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('callWebhook against a real receiver and database', () => {
  let pool: Pool;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let recordId: string;
  const log = createLogger('silent');
  // The webhook activity never sends email; this stub only fills the ActivityDeps slot and fails loudly if used.
  const mailer: Mailer = {
    send: () => Promise.reject(new Error('the webhook activity must not send email')),
    close: () => undefined,
  };

  const activitiesWith = (policy: Partial<WebhookPolicy> = {}) =>
    createWebhookActivities({
      pool,
      mailer,
      mailFrom: 'Pipewright Test <automations@test.local>',
      clock: () => new Date(),
      log,
      newId: (prefix) => `${prefix}_${Math.random().toString(36).slice(2)}`,
      webhookPolicy: { allowPrivateTargets: true, allowedHosts: [], timeoutMs: 5_000, ...policy },
    });

  const inputFor = (config: WebhookConfig): ActionRunInput<WebhookConfig> => {
    const enrollmentId = unique('enr');
    return {
      key: `${enrollmentId}:hook`,
      enrollmentId,
      workflowId: 'wf-webhooks',
      recordId,
      actionId: 'hook',
      depth: 0,
      config,
    };
  };
  const post = (url: string): WebhookConfig => ({ url, method: 'POST' });
  const requestsTo = (prefix: string) => receiver.seen.filter((request) => request.url.startsWith(prefix));
  const ledgerRow = async (key: string) =>
    (await pool.query('SELECT result FROM action_runs WHERE key = $1', [key])).rows[0] as unknown;
  const completedLines = async () =>
    (await listTimeline(pool, recordId, { limit: 500 })).items.filter((line) => line.kind === 'action_completed');

  beforeAll(async () => {
    pool = createPool(await createTestDatabase(), (error) => log.warn({ err: error }, 'idle connection failed'));
    receiver = await startReceiver();
    recordId = await insertDealRecord(pool, { company: 'Acme & Co', amount: 1200 });
  });
  afterAll(async () => {
    await receiver.stop();
    await pool.end();
  });

  it('sends one keyed request with the rendered url and body, and logs the status once', async () => {
    const input = inputFor({
      url: `${receiver.base}/ok/{{record.id}}?company={{record.properties.company}}&token=secret`,
      method: 'PUT',
      headers: { 'X-Signature': 'sig-123' },
      body: {
        deal: '{{record.properties.company}}',
        amount: '{{record.properties.amount}}',
        ids: ['{{record.id}}', 7],
      },
    });

    const outcome = await activitiesWith().callWebhook(input);

    expect(outcome).toEqual({ detail: `PUT ${receiver.base}/ok/${recordId} → 200` });
    const [request, ...others] = requestsTo('/ok/');
    expect(others).toHaveLength(0);
    expect(request).toMatchObject({ method: 'PUT', url: `/ok/${recordId}?company=Acme%20%26%20Co&token=secret` });
    expect(request?.headers).toMatchObject({
      'idempotency-key': input.key,
      'content-type': 'application/json',
      'x-signature': 'sig-123',
    });
    expect(JSON.parse(request?.body ?? '')).toEqual({ deal: 'Acme & Co', amount: '1200', ids: [recordId, 7] });
    expect(await completedLines()).toEqual([
      expect.objectContaining({ actionId: 'hook', detail: `PUT ${receiver.base}/ok/${recordId} → 200` }),
    ]);
    expect(await ledgerRow(input.key)).toEqual({ result: outcome });

    // A retry of an attempt that already got its 2xx (the worker died before reporting) does not call again.
    const again = await activitiesWith().callWebhook(input);
    expect(again).toEqual(outcome);
    expect(requestsTo('/ok/')).toHaveLength(1);
    expect(await completedLines()).toHaveLength(1);
  });

  it('retries a 5xx with the same Idempotency-Key until the receiver accepts', async () => {
    const input = inputFor(post(`${receiver.base}/flaky`));
    const activities = activitiesWith();

    const failure = await failureOf(activities.callWebhook(input));
    expect(failure).toMatchObject({ type: WebhookErrors.retryableStatus, nonRetryable: false });
    expect(failure.message).toBe(`POST ${receiver.base}/flaky → 503`);
    expect(await ledgerRow(input.key)).toBeUndefined();

    const outcome = await activities.callWebhook(input);
    expect(outcome.detail).toBe(`POST ${receiver.base}/flaky → 200`);
    expect(requestsTo('/flaky').map((request) => request.headers['idempotency-key'])).toEqual([input.key, input.key]);
  });

  it('treats 500 as retryable and writes nothing', async () => {
    const input = inputFor(post(`${receiver.base}/error`));
    const failure = await failureOf(activitiesWith().callWebhook(input));
    expect(failure).toMatchObject({ type: WebhookErrors.retryableStatus, nonRetryable: false });
    expect(failure.message).toContain('500');
    expect(failure.nextRetryDelay).toBeUndefined();
    expect(await ledgerRow(input.key)).toBeUndefined();
  });

  it('waits as long as Retry-After asks on 429', async () => {
    const failure = await failureOf(activitiesWith().callWebhook(inputFor(post(`${receiver.base}/busy`))));
    expect(failure).toMatchObject({ type: WebhookErrors.retryableStatus, nonRetryable: false });
    expect(failure.message).toContain('429');
    expect(failure.nextRetryDelay).toBeDefined();
    const delayMs = msToNumber(failure.nextRetryDelay ?? 0);
    expect(delayMs).toBeGreaterThanOrEqual(6_000);
    expect(delayMs).toBeLessThanOrEqual(7_000);
  });

  it('fails a 404 at once, naming the status', async () => {
    const input = inputFor({ url: `${receiver.base}/missing/{{record.id}}`, method: 'PUT' });
    const failure = await failureOf(activitiesWith().callWebhook(input));
    expect(failure).toMatchObject({ type: WebhookErrors.rejected, nonRetryable: true });
    expect(failure.message).toBe(`PUT ${receiver.base}/missing/${recordId} → 404`);
    expect(await ledgerRow(input.key)).toBeUndefined();
  });

  it('counts a receiver that does not answer in time as unreachable, and retries', async () => {
    const started = Date.now();
    const failure = await failureOf(
      activitiesWith({ timeoutMs: 300 }).callWebhook(inputFor(post(`${receiver.base}/hang`))),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(failure).toMatchObject({ type: WebhookErrors.unreachable, nonRetryable: false });
    expect(failure.message).toBe(`POST ${receiver.base}/hang failed: no response within 300 ms`);
    expect(requestsTo('/hang')).toHaveLength(1);
  });

  it('counts a refused connection as unreachable, naming the cause', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');

    const failure = await failureOf(activitiesWith().callWebhook(inputFor(post(`http://127.0.0.1:${port}/gone`))));
    expect(failure).toMatchObject({ type: WebhookErrors.unreachable, nonRetryable: false });
    expect(failure.message).toContain('ECONNREFUSED');
  });

  it('refuses private targets unless the policy allows them or lists the host', async () => {
    const strict = activitiesWith({ allowPrivateTargets: false });
    for (const url of [`${receiver.base}/private`, `http://localhost:${receiver.port}/private`]) {
      const failure = await failureOf(strict.callWebhook(inputFor(post(url))));
      expect(failure).toMatchObject({ type: WebhookErrors.targetRefused, nonRetryable: true });
      expect(failure.message).toMatch(/refused: .* resolves to the private address/);
    }
    expect(requestsTo('/private')).toHaveLength(0);

    const listed = activitiesWith({ allowPrivateTargets: false, allowedHosts: ['127.0.0.1'] });
    const outcome = await listed.callWebhook(inputFor(post(`${receiver.base}/private`)));
    expect(outcome.detail).toBe(`POST ${receiver.base}/private → 200`);
    expect(requestsTo('/private')).toHaveLength(1);
  });
});
