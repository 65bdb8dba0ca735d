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

/** How a test run says the enrollment would end. */
interface TestEnd {
  endedBy: 'completed' | 'goal';
  endReason?: string;
  stoppedBefore?: string;
}

/** The line a test run's ending stands for in the real timeline: `enrollment_completed`, or `unenrolled` with its reason. */
const endLine = (end: TestEnd) =>
  end.endedBy === 'goal'
    ? { kind: 'unenrolled', detail: `unenrolled: ${end.endReason}` }
    : { kind: 'enrollment_completed', detail: 'enrollment completed' };

const ENDING_KINDS = ['enrollment_completed', 'unenrolled'];

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

  /** The record's timeline once the workflow's enrollment of it has ended, completed or unenrolled. */
  const waitForEnd = (recordId: string, workflowId: string) =>
    eventually(
      async () => {
        const lines = await timeline(stack, recordId);
        return lines.some((line) => line.workflowId === workflowId && ENDING_KINDS.includes(line.kind))
          ? lines
          : undefined;
      },
      30_000,
      `the end of the enrollment of ${recordId} in ${workflowId}`,
    );

  const linesOf = (lines: TimelineLine[], workflowId: string) =>
    lines.filter((line) => line.workflowId === workflowId).map((line) => `${line.kind}: ${line.detail}`);

  /** The workflow's last line in the timeline, as (kind, detail). */
  const lastLine = (lines: TimelineLine[], workflowId: string) => {
    const last = lines.filter((line) => line.workflowId === workflowId).at(-1);
    return last && { kind: last.kind, detail: last.detail };
  };

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

    it('stops where its own set_stage meets the goal, as the enrollment does, and walks on where it does not', async () => {
      // A pipeline of its own: no other case's workflow acts on these records.
      const pipelineId = await createDealPipeline(stack);
      const workflowId = await createWorkflow(stack, {
        pipelineId,
        name: 'Until won',
        trigger: { type: 'stage_entered', stageId: 'qualified' },
        settings: { goal: { any: [{ property: 'stageId', operator: 'eq', value: 'won' }] } },
        actions: [
          {
            id: 'tier',
            type: 'branch_if',
            config: {
              conditions: { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] },
              then: [{ id: 'win', type: 'set_stage', config: { stageId: 'won' } }],
              else: [{ id: 'nurture', type: 'create_task', config: { title: 'Nurture' } }],
            },
          },
          { id: 'handover', type: 'create_task', config: { title: 'Hand over' } },
        ],
      });
      const gold = await createRecord(stack, { pipelineId, stageId: 'new', properties: { tier: 'gold' } });
      const silver = await createRecord(stack, { pipelineId, stageId: 'new', properties: { tier: 'silver' } });
      await waitForOutbox(stack);
      const goldRun = (await testRun(workflowId, gold)).body;
      const silverRun = (await testRun(workflowId, silver)).body;
      expect(goldRun).toMatchObject({ endedBy: 'goal', endReason: 'goal met', stoppedBefore: 'handover' });
      expect((goldRun.steps as TestStep[]).map((step) => [step.actionId, step.detail])).toEqual([
        ['tier', 'conditions met: took "then"'],
        ['win', 'moved record from stage "new" to "won"'],
      ]);
      expect(silverRun).toMatchObject({ endedBy: 'completed' });
      expect(silverRun).not.toHaveProperty('stoppedBefore');
      expect((silverRun.steps as TestStep[]).map((step) => step.actionId)).toEqual(['tier', 'nurture', 'handover']);

      await enableWorkflow(stack, workflowId);
      for (const recordId of [gold, silver]) await moveRecord(stack, recordId, 'qualified');
      const goldLines = await waitForEnd(gold, workflowId);
      // The real enrollment moved the record from "qualified", where the test run saw it in "new".
      expect(linesOf(goldLines, workflowId)).toEqual([
        'enrolled: enrolled',
        'action_completed: conditions met: took "then"',
        'action_completed: moved record from stage "qualified" to "won"',
        'unenrolled: unenrolled: goal met',
      ]);
      expect(actionLines(goldLines, workflowId).map((line) => line.actionId)).toEqual(
        (goldRun.steps as TestStep[]).map((step) => step.actionId),
      );
      expect(lastLine(goldLines, workflowId)).toEqual(endLine(goldRun as TestEnd));
      expect(await taskTitles(stack, gold)).toEqual([]);
      const silverLines = await waitForEnd(silver, workflowId);
      expect(actionLines(silverLines, workflowId).map((line) => line.actionId)).toEqual([
        'tier',
        'nurture',
        'handover',
      ]);
      expect(lastLine(silverLines, workflowId)).toEqual(endLine(silverRun as TestEnd));
      expect(await taskTitles(stack, silver)).toEqual(['Nurture', 'Hand over']);
    });

    it('ends before any action for a record that meets the goal as it enrolls, as the enrollment does', async () => {
      // A pipeline of its own: no other case's workflow acts on these records.
      const pipelineId = await createDealPipeline(stack);
      const workflowId = await createWorkflow(stack, {
        pipelineId,
        name: 'Chase the unpaid',
        trigger: { type: 'property_changed', property: 'amount' },
        settings: { goal: { all: [{ property: 'paid', operator: 'eq', value: true }] } },
        actions: [
          { id: 'wait', type: 'delay', config: { for: '1s' } },
          { id: 'chase', type: 'create_task', config: { title: 'Chase payment' } },
        ],
      });
      const recordId = await createRecord(stack, { pipelineId, stageId: 'new', properties: { paid: true } });
      await waitForOutbox(stack);
      const answer = await testRun(workflowId, recordId);
      // The goal is not an enrollment rule: the record enrolls, and the enrollment ends before its first action.
      expect(answer.body).toEqual({
        wouldEnroll: true,
        enabled: false,
        steps: [],
        endedBy: 'goal',
        endReason: 'goal met',
        stoppedBefore: 'wait',
      });

      await enableWorkflow(stack, workflowId);
      const patched = await stack.http.patch(`/api/records/${recordId}`).send({ properties: { amount: 10 } });
      expect(patched.status).toBe(200);
      const lines = await waitForEnd(recordId, workflowId);
      expect(linesOf(lines, workflowId)).toEqual(['enrolled: enrolled', 'unenrolled: unenrolled: goal met']);
      expect(lastLine(lines, workflowId)).toEqual(endLine(answer.body as TestEnd));
      expect(await taskTitles(stack, recordId)).toEqual([]);
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
      const condition = fc
        .tuple(fc.constantFrom(...properties), fc.constantFrom('eq', 'neq', 'known', 'gt'), value)
        .map(([property, operator, compared]) =>
          operator === 'known'
            ? { property, operator }
            : {
                property,
                operator,
                value: operator === 'gt' ? (typeof compared === 'number' ? compared : 1) : compared,
              },
        );
      const branch = (inner: fc.Arbitrary<unknown>) =>
        fc.oneof(
          fc
            .tuple(condition, fc.array(inner, { maxLength: 2 }), fc.array(inner, { maxLength: 2 }))
            .map(([met, then, otherwise]) => ({
              type: 'branch_if',
              config: { conditions: { all: [met] }, then, else: otherwise },
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
      // Goals on the properties the actions set: a random one, or one that a set_property of the definition meets
      // (when its branch is taken, and unless the record meets it already); about half the definitions have none.
      const randomGoal = fc
        .tuple(fc.constantFrom('all', 'any'), fc.array(condition, { minLength: 1, maxLength: 2 }))
        .map(([join, conditions]) => ({ [join]: conditions }));
      const setsIn = (node: unknown): object[] => {
        if (Array.isArray(node)) return node.flatMap(setsIn);
        if (typeof node !== 'object' || node === null) return [];
        const { type, config } = node as { type?: string; config?: { property: string; value: unknown } };
        if (type === 'set_property' && config)
          return [{ property: config.property, operator: 'eq', value: config.value }];
        return Object.values(node).flatMap(setsIn);
      };
      const withGoal = definition.chain((actions) => {
        const sets = setsIn(actions);
        const goal =
          sets.length > 0
            ? fc.oneof(
                randomGoal,
                fc.constantFrom(...sets).map((met) => ({ all: [met] })),
              )
            : randomGoal;
        return fc.tuple(fc.constant(actions), fc.option(goal, { nil: undefined }));
      });

      // How the generated enrollments ended: the comparison must have met each kind of ending.
      const endings = new Set<string>();
      await fc.assert(
        fc.asyncProperty(withGoal, record, async ([actions, goal], props) => {
          // A pipeline of its own: no other case's workflow acts on this record.
          const pipelineId = await createDealPipeline(stack);
          const workflowId = await createWorkflow(stack, {
            pipelineId,
            name: unique('generated'),
            trigger: { type: 'stage_entered', stageId: 'qualified' },
            ...(goal && { settings: { goal } }),
            actions,
          });
          await enableWorkflow(stack, workflowId);
          const recordId = await createRecord(stack, { pipelineId, stageId: 'new', properties: props });
          const { body } = await testRun(workflowId, recordId);
          await moveRecord(stack, recordId, 'qualified');
          const lines = await waitForEnd(recordId, workflowId);
          const real = actionLines(lines, workflowId).map(({ actionId, detail }) => ({ actionId, detail }));
          const tested = (body.steps as TestStep[]).map(({ actionId, detail }) => ({ actionId, detail }));
          expect(tested).toEqual(real);
          expect(endLine(body as TestEnd)).toEqual(lastLine(lines, workflowId));
          endings.add(
            body.endedBy === 'goal' ? (tested.length > 0 ? 'goal after steps' : 'goal at once') : body.endedBy,
          );
        }),
        { numRuns: 20, seed: 16 },
      );
      expect([...endings].sort()).toEqual(['completed', 'goal after steps', 'goal at once']);
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
