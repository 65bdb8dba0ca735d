import fc from 'fast-check';
import supertest from 'supertest';
import { fingerprintDatabase } from '../../bench/chaos/bad-input';
import { createDealPipeline, createRecord, createWorkflow } from '../support/fixtures';
import { ADMIN_TOKEN } from '../support/env';
import { eventually, startTestStack, type TestStack } from '../support/stack';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** Every route, with `{id}`-style slots filled per request from real or hostile ids. */
const ROUTES: [Method, string][] = [
  ['post', '/api/pipelines'],
  ['get', '/api/pipelines'],
  ['get', '/api/pipelines/{pipeline}'],
  ['get', '/api/pipelines/{pipeline}/ticket-status-automation'],
  ['put', '/api/pipelines/{pipeline}/ticket-status-automation'],
  ['post', '/api/records'],
  ['get', '/api/records/{record}'],
  ['patch', '/api/records/{record}'],
  ['get', '/api/records/{record}/timeline'],
  ['post', '/api/events/email'],
  ['post', '/api/workflows'],
  ['get', '/api/workflows'],
  ['get', '/api/workflows/{workflow}'],
  ['patch', '/api/workflows/{workflow}'],
  ['post', '/api/workflows/{workflow}/enable'],
  ['post', '/api/workflows/{workflow}/disable'],
  ['get', '/api/workflows/{workflow}/revisions'],
  ['get', '/api/workflows/{workflow}/enrollments'],
  ['post', '/api/workflows/{workflow}/actions'],
  ['patch', '/api/workflows/{workflow}/actions/{action}'],
  ['delete', '/api/workflows/{workflow}/actions/{action}'],
  ['post', '/api/workflows/{workflow}/actions/{action}/comments'],
  ['get', '/api/workflows/{workflow}/actions/{action}/comments'],
  ['get', '/api/email-templates'],
  ['post', '/api/email-templates'],
  ['put', '/api/email-templates/{template}'],
  ['delete', '/api/email-templates/{template}'],
  ['get', '/api/tasks'],
  ['get', '/api/emails'],
  ['post', '/api/tokens'],
  ['delete', '/api/tokens/{token}'],
];

/** Field names the schemas know, so that generated bodies get past the first checks often enough to matter. */
const FIELDS = [
  'id',
  'pipelineId',
  'stageId',
  'objectType',
  'label',
  'stages',
  'properties',
  'contacts',
  'name',
  'trigger',
  'type',
  'actions',
  'action',
  'config',
  'after',
  'parent',
  'enrollment',
  'settings',
  'unenroll',
  'body',
  'subject',
  'role',
  'ticketId',
  'messageId',
  'threadId',
  'direction',
  'from',
  'to',
  'forwarded',
  'channel',
  'template',
  'title',
];

const hostileId = fc.oneof(
  fc.string(),
  fc.constantFrom('..', '%2e%2e', 'a%2Fb', '%00', "'; DROP TABLE records; --", 'x'.repeat(5000), '🙂', '%E0%A4%A'),
);
const value = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.constantFrom('new', 'deal', 'ticket', 'stage_entered', 'create_task'),
);
const body = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom(...FIELDS), value),
  fc.dictionary(fc.constantFrom(...FIELDS), fc.dictionary(fc.constantFrom(...FIELDS), value)),
);
const rawBody = fc.oneof(fc.string(), fc.constantFrom('{', '[1,', '{"a":}', '\u0000', 'null'));
const query = fc.dictionary(
  fc.constantFrom('limit', 'cursor', 'recordId', 'pipelineId', 'status', 'to', 'mode', 'x'),
  fc.string(),
  {
    maxKeys: 3,
  },
);

describe('garbage in, 4xx out, nothing changed', () => {
  let stack: TestStack;
  const real: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    real.pipeline = await createDealPipeline(stack);
    real.record = await createRecord(stack, { pipelineId: real.pipeline, stageId: 'new' });
    real.workflow = await createWorkflow(stack, {
      pipelineId: real.pipeline,
      name: 'Target',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [{ id: 'act', type: 'create_task', config: { title: 'T' } }],
    });
    real.action = 'act';
    real.template = 'ticket_received';
    real.token = 'admin';
  });
  afterAll(async () => {
    await stack.stop();
  });

  /** The content of every table, which a refused request must leave as it was. */
  const fingerprint = () => fingerprintDatabase(stack.pool);

  /** Waits until the relay has delivered what accepted requests queued (a toggle after an `enable`, say). */
  const relayIdle = () =>
    eventually(async () => {
      const { rows } = await stack.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox WHERE delivered_at IS NULL',
      );
      return rows[0]!.n === 0 || undefined;
    });

  it('answers every malformed request with a 4xx and leaves the database as it was', async () => {
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.dictionary(fc.constantFrom('pipeline', 'record', 'workflow', 'action', 'template', 'token'), hostileId),
        fc.boolean(),
        fc.oneof(
          body.map((json) => ({ json })),
          rawBody.map((raw) => ({ raw })),
        ),
        query,
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/json; charset=latin1',
          'application/x-www-form-urlencoded',
        ),
        async ([method, template], ids, useRealIds, payload, params, contentType) => {
          const path = template.replace(/\{(\w+)\}/g, (_slot, name: string) =>
            encodeURIComponent(useRealIds ? real[name]! : (ids[name] ?? real[name]!)),
          );
          await relayIdle();
          const before = await fingerprint();
          let request = supertest(stack.api.url)
            [method](path)
            .query(params)
            .set('Authorization', `Bearer ${ADMIN_TOKEN}`);
          if (method !== 'get') {
            request = request
              .set('Content-Type', contentType)
              .send('json' in payload ? JSON.stringify(payload.json) : payload.raw);
          }
          const res = await request;
          requests += 1;
          expect({ method, path, status: res.status, body: res.body }).toEqual(
            expect.objectContaining({ status: expect.any(Number) }),
          );
          if (res.status >= 500)
            throw new Error(`${method.toUpperCase()} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
          if (res.status >= 400) {
            expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
            expect(await fingerprint()).toEqual(before);
          }
        },
      ),
      { numRuns: 1500 },
    );
    expect(requests).toBeGreaterThanOrEqual(1500);
  });
});
