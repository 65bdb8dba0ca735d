import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { WebhookPolicy } from '../../activities';
import { NonRetryableErrors } from '../../activities/deps';
import { createWebhookActivities, WebhookErrors } from '../../activities/webhook';
import { createPool, type Pool } from '../../src/db/pool';
import { putSecret } from '../../src/db/secrets';
import { listTimeline } from '../../src/db/timeline';
import type { ActionRunInput } from '../../src/domain';
import type { WebhookConfig } from '../../src/domain/webhook';
import { createLogger } from '../../src/log';
import type { Mailer } from '../../src/mail/mailer';
import { insertDealRecord } from '../support/fixtures';
import { createTestDatabase, newSecretsKey, unique } from '../support/stack';

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

  const secretsKey = newSecretsKey();
  const storeSecret = async (name: string, value: string) =>
    putSecret(pool, name, value, await secretsKey.forSealing());

  const activitiesWith = (policy: Partial<WebhookPolicy> = {}, keyring = secretsKey) =>
    createWebhookActivities({
      pool,
      mailer,
      mailFrom: 'Pipewright Test <automations@test.local>',
      clock: () => new Date(),
      log,
      newId: (prefix) => `${prefix}_${Math.random().toString(36).slice(2)}`,
      webhookPolicy: { allowPrivateTargets: true, allowedHosts: [], timeoutMs: 5_000, ...policy },
      secretsKey: keyring,
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
    for (const [url, reason] of [
      [`${receiver.base}/private`, '127.0.0.1 is a private address'],
      [`http://[::ffff:127.0.0.1]:${receiver.port}/private`, '::ffff:7f00:1 is a private address'],
      [`http://localhost:${receiver.port}/private`, 'localhost resolves to the private address'],
    ] as const) {
      const failure = await failureOf(strict.callWebhook(inputFor(post(url))));
      expect(failure).toMatchObject({ type: WebhookErrors.targetRefused, nonRetryable: true });
      expect(failure.message).toContain(`refused: ${reason}`);
    }
    expect(requestsTo('/private')).toHaveLength(0);

    const listed = activitiesWith({ allowPrivateTargets: false, allowedHosts: ['127.0.0.1'] });
    const outcome = await listed.callWebhook(inputFor(post(`${receiver.base}/private`)));
    expect(outcome.detail).toBe(`POST ${receiver.base}/private → 200`);
    expect(requestsTo('/private')).toHaveLength(1);
  });

  it('checks the address each connection is made to, as that connection resolved it', async () => {
    // A name only this resolver knows, as a rebinding DNS server would answer it: the system resolver cannot
    // resolve it, so a request reaching the receiver proves the connection used this (checked) resolution.
    const lookups: string[] = [];
    const resolve = (hostname: string) => {
      lookups.push(hostname);
      return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    };
    const url = `http://rebind.test:${receiver.port}/rebind`;

    const failure = await failureOf(
      activitiesWith({ allowPrivateTargets: false, resolve }).callWebhook(inputFor(post(url))),
    );
    expect(failure).toMatchObject({ type: WebhookErrors.targetRefused, nonRetryable: true });
    expect(failure.message).toBe(
      `POST http://rebind.test:${receiver.port}/rebind refused: rebind.test resolves to the private address 127.0.0.1; ` +
        'list the host in WEBHOOK_ALLOWED_HOSTS to allow it',
    );
    expect(requestsTo('/rebind')).toHaveLength(0);
    // One resolution per connection, and it is the one checked: no earlier look-up an answer could change after.
    expect(lookups).toEqual(['rebind.test']);

    const outcome = await activitiesWith({ allowPrivateTargets: true, resolve }).callWebhook(inputFor(post(url)));
    expect(outcome.detail).toBe(`POST ${url} → 200`);
    expect(requestsTo('/rebind')).toHaveLength(1);
  });

  it('refuses a name when any address it resolves to is private', async () => {
    const resolve = () =>
      Promise.resolve([
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ]);
    const activities = activitiesWith({ allowPrivateTargets: false, resolve });
    const failure = await failureOf(activities.callWebhook(inputFor(post(`http://two.test:${receiver.port}/two`))));
    expect(failure).toMatchObject({ type: WebhookErrors.targetRefused, nonRetryable: true });
    expect(failure.message).toContain('two.test resolves to the private address ::1');
    expect(requestsTo('/two')).toHaveLength(0);
  });

  it('refuses a url whose host is a placeholder, before calling', async () => {
    const hostile = await insertDealRecord(pool, { host: `127.0.0.1:${receiver.port}` });
    const input = { ...inputFor(post('http://{{record.properties.host}}/chosen')), recordId: hostile };
    const failure = await failureOf(activitiesWith().callWebhook(input));
    expect(failure).toMatchObject({ type: NonRetryableErrors.invalidAction, nonRetryable: true });
    expect(failure.message).toContain('placeholders may be used only in the path and query');
    expect(requestsTo('/chosen')).toHaveLength(0);
  });

  it('fills secrets in the url and headers when it calls, and shows only their names', async () => {
    const token = `tok-${unique('s')}`;
    const segment = `seg/${unique('p')}`;
    await storeSecret('api.token', token);
    await storeSecret('path_segment', segment);
    const input = inputFor({
      url: `${receiver.base}/ok/{{secrets.path_segment}}?key={{ secrets.api.token }}`,
      method: 'POST',
      headers: {
        Authorization: 'Bearer {{secrets.api.token}}',
        'X-Both': '{{secrets.path_segment}}|{{secrets.api.token}}',
      },
    });

    const outcome = await activitiesWith().callWebhook(input);

    const [request] = receiver.seen.filter((seen) => seen.headers['idempotency-key'] === input.key);
    expect(request?.url).toBe(`/ok/${encodeURIComponent(segment)}?key=${encodeURIComponent(token)}`);
    expect(request?.headers).toMatchObject({ authorization: `Bearer ${token}`, 'x-both': `${segment}|${token}` });
    expect(outcome.detail).toBe(`POST ${receiver.base}/ok/[secrets.path_segment] → 200`);
    const stored = JSON.stringify([outcome, await completedLines(), await ledgerRow(input.key)]);
    for (const value of [token, segment, encodeURIComponent(segment)]) expect(stored).not.toContain(value);
  });

  it('names the secret, never its value, when the call fails', async () => {
    const token = `tok-${unique('s')}`;
    await storeSecret('missing_path', token);
    const rejected = await failureOf(
      activitiesWith().callWebhook(inputFor(post(`${receiver.base}/missing/{{secrets.missing_path}}`))),
    );
    expect(rejected).toMatchObject({ type: WebhookErrors.rejected, nonRetryable: true });
    expect(rejected.message).toBe(`POST ${receiver.base}/missing/[secrets.missing_path] → 404`);

    const unknown = await failureOf(
      activitiesWith().callWebhook({
        ...inputFor(post(`${receiver.base}/ok`)),
        config: { url: `${receiver.base}/ok`, method: 'POST', headers: { 'X-Key': '{{secrets.never_stored}}' } },
      }),
    );
    expect(unknown).toMatchObject({ type: NonRetryableErrors.invalidAction, nonRetryable: true });
    expect(unknown.message).toContain('the secret "never_stored", which does not exist');

    // A worker whose key is not the one the secret was stored with says so, and tries again later.
    const otherKey = await failureOf(
      activitiesWith({}, newSecretsKey()).callWebhook(inputFor(post(`${receiver.base}/ok/{{secrets.missing_path}}`))),
    );
    expect(otherKey).toMatchObject({ type: WebhookErrors.secretUnreadable, nonRetryable: false });
    expect(otherKey.message).toMatch(/secret "missing_path" was stored with the key \w+, and this process has the key/);
    for (const failure of [rejected, unknown, otherKey]) expect(failure.message).not.toContain(token);
  });

  it('keeps secret values out of the database: a dump shows ciphertext', async () => {
    const value = `plain-${unique('v')}`;
    await storeSecret('dumped', value);
    const { rows } = await pool.query("SELECT row_to_json(s)::text AS dump FROM secrets s WHERE name = 'dumped'");
    expect(rows[0].dump).not.toContain(value);
    expect(rows[0].dump).not.toContain(Buffer.from(value).toString('hex'));
    expect(rows[0].dump).not.toContain(Buffer.from(value).toString('base64'));
  });
});
