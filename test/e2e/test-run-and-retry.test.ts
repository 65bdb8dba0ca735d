import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import supertest from 'supertest';
import { fingerprintDatabase } from '../../bench/chaos/bad-input';
import { upsertToken } from '../../src/db/tokens';
import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  taskTitles,
  timeline,
  type TimelineLine,
  waitForOutbox,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

interface TestStep {
  actionId: string;
  type: string;
  outcome: 'run' | 'skip' | 'wait';
  detail: string;
  wakeAt?: string;
}

/** The lines an enrollment writes for its actions, in order, as (action, detail). */
const actionLines = (lines: TimelineLine[], workflowId: string) =>
  lines
    .filter(
      (line) =>
        line.workflowId === workflowId &&
        ['action_completed', 'action_skipped', 'action_failed', 'delay_started'].includes(line.kind),
    )
    .map((line) => ({ actionId: line.actionId, kind: line.kind, detail: line.detail }));

describe('operators test before they switch on, and repair what failed', () => {
  let stack: TestStack;
  let pipelineId: string;
  const viewerToken = 'viewer-token-test-run-0123456789';

  beforeAll(async () => {
    stack = await startTestStack();
    pipelineId = await createDealPipeline(stack);
    await upsertToken(stack.pool, { id: unique('viewer'), name: 'viewer', role: 'viewer', secret: viewerToken });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const testRun = (workflowId: string, recordId: string) =>
    stack.http.post(`/api/workflows/${workflowId}/test`).send({ recordId });

  describe('POST /api/workflows/:id/test', () => {
    it('walks a branching, delaying, emailing draft without writing anything, and the enrollment then takes that path', async () => {
      const workflowId = await createWorkflow(stack, {
        pipelineId,
        name: 'Gold deals',
        trigger: { type: 'stage_entered', stageId: 'qualified' },
        actions: [
          {
            id: 'tier',
            type: 'branch_if',
            config: {
              conditions: { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] },
              then: [
                {
                  id: 'tell',
                  type: 'send_internal_notification',
                  config: {
                    to: { users: ['ops@example.com'] },
                    subject: 'Gold: {{record.properties.company}}',
                    body: 'Call',
                  },
                },
              ],
              else: [
                { id: 'silver-task', type: 'create_task', config: { title: 'Nurture {{record.properties.company}}' } },
              ],
            },
          },
          { id: 'pause', type: 'delay', config: { for: '2s' } },
          { id: 'mark', type: 'set_property', config: { property: 'welcomed', value: true } },
          { id: 'mail', type: 'send_email', config: { template: 'ticket_received' } },
          {
            id: 'welcomed',
            type: 'branch_value',
            config: {
              property: 'welcomed',
              cases: [
                {
                  values: [true],
                  actions: [{ id: 'after', type: 'create_task', config: { title: 'Welcomed {{record.id}}' } }],
                },
              ],
            },
          },
        ],
      });
      const recordId = await createRecord(stack, {
        pipelineId,
        stageId: 'new',
        properties: { tier: 'gold', company: 'Acme' },
        contacts: [{ email: 'ana@acme.example', marketing: false }],
      });
      await waitForOutbox(stack);

      const before = await fingerprintDatabase(stack.pool);
      const mailsBefore = stack.sink.messages.length;
      const answer = await testRun(workflowId, recordId);
      expect(answer.status).toBe(200);
      expect(await fingerprintDatabase(stack.pool)).toEqual(before);
      expect(stack.sink.messages.length).toBe(mailsBefore);

      // A draft, and the record is not in the trigger stage yet: the test says so and walks the steps anyway.
      expect(answer.body).toMatchObject({
        wouldEnroll: false,
        reason: 'the record already left stage "qualified" (it is in "new")',
        enabled: false,
      });
      const steps = answer.body.steps as TestStep[];
      expect(steps.map((step) => [step.actionId, step.outcome])).toEqual([
        ['tier', 'run'],
        ['tell', 'run'],
        ['pause', 'wait'],
        ['mark', 'run'],
        ['mail', 'run'],
        ['welcomed', 'run'],
        ['after', 'run'],
      ]);
      expect(steps[1]!.detail).toBe('sent notification "Gold: Acme" to ops@example.com');
      expect(new Date(steps[2]!.wakeAt!).getTime()).toBeGreaterThan(Date.now());
      expect(steps[4]!.detail).toMatch(
        /^sent transactional email ".*" \(template ticket_received\) to ana@acme\.example$/,
      );
      expect(steps[6]!.detail).toBe(`created task "Welcomed ${recordId}"`);

      await enableWorkflow(stack, workflowId);
      await moveRecord(stack, recordId, 'qualified');
      expect((await testRun(workflowId, recordId)).body).toMatchObject({ enabled: true });
      const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
      const real = actionLines(lines, workflowId);
      expect(real.map((line) => line.actionId)).toEqual(steps.map((step) => step.actionId));
      // Every effect says what the test said it would.
      for (const step of steps.filter((candidate) => candidate.type !== 'delay')) {
        expect(real.find((line) => line.actionId === step.actionId)?.detail).toBe(step.detail);
      }
    });

    it('says why a record would not enroll: enrolled before without re-enrollment', async () => {
      const workflowId = await createWorkflow(stack, {
        pipelineId,
        name: 'Once',
        trigger: { type: 'stage_entered', stageId: 'won' },
        actions: [{ type: 'create_task', config: { title: 'Once' } }],
      });
      await enableWorkflow(stack, workflowId);
      const recordId = await createRecord(stack, { pipelineId, stageId: 'won' });
      await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
      const answer = await testRun(workflowId, recordId);
      expect(answer.body).toMatchObject({
        wouldEnroll: false,
        reason: 'the record was enrolled before and re-enrollment is off',
        steps: [{ outcome: 'run', detail: 'created task "Once"' }],
      });
    });

    it('answers bad input with the field and the reason', async () => {
      const workflowId = await createWorkflow(stack, {
        pipelineId,
        name: 'Bad input',
        trigger: { type: 'stage_entered', stageId: 'won' },
      });
      const unknown = await testRun(workflowId, 'no-such-record');
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors).toEqual([
        { path: 'body.recordId', message: 'record "no-such-record" does not exist' },
      ]);
      expect((await testRun('no-such-workflow', 'x')).status).toBe(404);
      expect((await stack.http.post(`/api/workflows/${workflowId}/test`).send({})).status).toBe(400);
      const otherPipeline = await createDealPipeline(stack);
      const stranger = await createRecord(stack, { pipelineId: otherPipeline, stageId: 'new' });
      const foreign = await testRun(workflowId, stranger);
      expect(foreign.status).toBe(422);
      expect(foreign.body.errors[0].message).toContain(`is in pipeline "${otherPipeline}"`);
      const asViewer = await supertest(stack.api.url)
        .post(`/api/workflows/${workflowId}/test`)
        .set('Authorization', `Bearer ${viewerToken}`)
        .send({ recordId: stranger });
      expect(asViewer.status).toBe(403);
    });

    it('agrees with the real enrollment on generated definitions and records', async () => {
      const properties = ['tier', 'amount', 'flag'] as const;
      const value = fc.oneof(fc.constantFrom('gold', 'silver'), fc.integer({ min: 0, max: 3 }), fc.boolean());
      const task = fc.constantFrom('Call {{record.properties.tier}}', 'Review', 'Amount {{record.properties.amount}}');
      const leaf = fc.oneof(
        task.map((title) => ({ type: 'create_task', config: { title } })),
        fc
          .tuple(fc.constantFrom(...properties), value)
          .map(([property, set]) => ({ type: 'set_property', config: { property, value: set } })),
      );
      const branch = (inner: fc.Arbitrary<unknown>) =>
        fc.oneof(
          fc
            .tuple(
              fc.constantFrom(...properties),
              fc.constantFrom('eq', 'neq', 'known', 'gt'),
              value,
              fc.array(inner, { maxLength: 2 }),
              fc.array(inner, { maxLength: 2 }),
            )
            .map(([property, operator, compared, then, otherwise]) => ({
              type: 'branch_if',
              config: {
                conditions: {
                  all: [
                    operator === 'known'
                      ? { property, operator }
                      : {
                          property,
                          operator,
                          value: operator === 'gt' ? (typeof compared === 'number' ? compared : 1) : compared,
                        },
                  ],
                },
                then,
                else: otherwise,
              },
            })),
          fc
            .tuple(
              fc.constantFrom(...properties),
              value,
              fc.array(inner, { maxLength: 2 }),
              fc.array(inner, { maxLength: 2 }),
            )
            .map(([property, match, actions, fallback]) => ({
              type: 'branch_value',
              config: { property, cases: [{ values: [match], actions }], default: fallback },
            })),
        );
      const definition = fc.array(fc.oneof(leaf, branch(fc.oneof(leaf, branch(leaf)))), { minLength: 1, maxLength: 4 });
      const record = fc.record({ tier: value, amount: value, flag: value }, { requiredKeys: [] });

      await fc.assert(
        fc.asyncProperty(definition, record, async (actions, props) => {
          // A pipeline of its own: no other case's workflow acts on this record.
          const pipelineId = await createDealPipeline(stack);
          const workflowId = await createWorkflow(stack, {
            pipelineId,
            name: unique('generated'),
            trigger: { type: 'stage_entered', stageId: 'qualified' },
            actions,
          });
          await enableWorkflow(stack, workflowId);
          const recordId = await createRecord(stack, { pipelineId, stageId: 'new', properties: props });
          const { body } = await testRun(workflowId, recordId);
          await moveRecord(stack, recordId, 'qualified');
          const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
          const real = actionLines(lines, workflowId).map(({ actionId, detail }) => ({ actionId, detail }));
          const tested = (body.steps as TestStep[]).map(({ actionId, detail }) => ({ actionId, detail }));
          expect(tested).toEqual(real);
        }),
        { numRuns: 20, seed: 16 },
      );
    }, 180_000);
  });

  describe('POST /api/workflows/:id/actions/:actionId/retry', () => {
    let server: http.Server;
    let fixed = false;
    const calls: { key: string; status: number }[] = [];

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const status = fixed ? 200 : 404;
          calls.push({ key: String(req.headers['idempotency-key']), status });
          res.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('runs a webhook that answered 404 again once its target is fixed, once, and only that action', async () => {
      const { port } = server.address() as AddressInfo;
      const pipelineId = await createDealPipeline(stack);
      const workflowId = await createWorkflow(stack, {
        pipelineId,
        name: 'Notify the ERP',
        trigger: { type: 'stage_entered', stageId: 'won' },
        actions: [
          { id: 'erp', type: 'webhook', config: { url: `http://127.0.0.1:${port}/orders` } },
          { id: 'thanks', type: 'create_task', config: { title: 'Say thanks' } },
        ],
      });
      await enableWorkflow(stack, workflowId);
      const records = [
        await createRecord(stack, { pipelineId, stageId: 'won' }),
        await createRecord(stack, { pipelineId, stageId: 'won' }),
      ];
      for (const recordId of records) await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
      const retry = (body: object = {}) => stack.http.post(`/api/workflows/${workflowId}/actions/erp/retry`).send(body);

      // Still broken: the retry fails again, says so, and can be asked for again.
      expect((await retry({ recordIds: [records[0]] })).body).toEqual({ retried: 1 });
      await eventually(async () => {
        const lines = await timeline(stack, records[0]!);
        return lines.some((line) => line.detail.startsWith('webhook failed again')) ? true : undefined;
      });

      fixed = true;
      const answer = await retry();
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ retried: 2 });
      for (const recordId of records) {
        const lines = await eventually(async () => {
          const found = await timeline(stack, recordId);
          return found.some((line) => line.actionId === 'erp' && line.kind === 'action_completed') ? found : undefined;
        });
        const erp = lines.filter((line) => line.actionId === 'erp').map((line) => line.kind);
        expect(erp.slice(-2)).toEqual(['action_retried', 'action_completed']);
        expect(await taskTitles(stack, recordId)).toEqual(['Say thanks']);
      }
      // Each enrollment's call succeeded once: its key reached the target as a 200 exactly once.
      const succeeded = calls.filter((call) => call.status === 200).map((call) => call.key);
      expect(succeeded.sort()).toEqual([...new Set(succeeded)].sort());
      expect(succeeded).toHaveLength(2);
      // Nothing failed any more: a second request retries nothing.
      expect((await retry()).body).toEqual({ retried: 0 });
    });

    it('answers bad input with the field and the reason', async () => {
      const workflowId = await createWorkflow(stack, {
        pipelineId,
        name: 'Retry bad input',
        trigger: { type: 'stage_entered', stageId: 'won' },
        actions: [
          { id: 'wait', type: 'delay', config: { for: '1d' } },
          { id: 'call', type: 'create_task', config: { title: 'Call' } },
        ],
      });
      const retry = (actionId: string, body: object = {}) =>
        stack.http.post(`/api/workflows/${workflowId}/actions/${actionId}/retry`).send(body);
      const off = await retry('call');
      expect(off.status).toBe(422);
      expect(off.body.errors).toEqual([{ path: 'params.id', message: `workflow "${workflowId}" is off` }]);
      await enableWorkflow(stack, workflowId);
      expect((await retry('missing')).status).toBe(404);
      const delay = await retry('wait');
      expect(delay.status).toBe(422);
      expect(delay.body.errors[0].path).toBe('params.actionId');
      expect((await retry('call', { recordIds: [] })).status).toBe(400);
      expect((await retry('call', { recordIds: ['a b'] })).body.errors[0].path).toBe('body.recordIds[0]');
      expect((await retry('call')).body).toEqual({ retried: 0 });
      const asViewer = await supertest(stack.api.url)
        .post(`/api/workflows/${workflowId}/actions/call/retry`)
        .set('Authorization', `Bearer ${viewerToken}`)
        .send({});
      expect(asViewer.status).toBe(403);
    });
  });
});
