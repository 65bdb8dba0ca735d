import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { issueReason } from '../../src/domain/issues';
import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  type TimelineLine,
  waitForTimeline,
} from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

interface IssueItem {
  actionId?: string;
  kind: string;
  reason: string;
  count: number;
  firstAt: string;
  lastAt: string;
  sampleRecordIds: string[];
}

let stack: TestStack;
let server: http.Server;
let base: string;

beforeAll(async () => {
  stack = await startTestStack();
  // A receiver that knows no contact: every call is a 404.
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(404);
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
  await stack.stop();
});

const lineOf = (lines: TimelineLine[], workflowId: string, kind: string) =>
  lines.find((line) => line.workflowId === workflowId && line.kind === kind);

describe('GET /api/workflows/:id/issues', () => {
  it('groups three failures with the same reason into one row, with the skips and the refusal in rows of their own, most recent first', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Sync to the CRM',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        // The record id in the path makes each failure's detail differ; the reason is the same.
        { id: 'hook', type: 'webhook', config: { method: 'PUT', url: `${base}/contacts/{{record.id}}` } },
        // The records have no contacts: skipped.
        { id: 'mail', type: 'send_email', config: { template: 'ticket_closed' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordIds: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      recordIds.push(await createRecord(stack, { pipelineId, stageId: 'qualified' }));
    }
    const timelines = await Promise.all(
      recordIds.map((recordId) => waitForTimeline(stack, recordId, 'enrollment_completed', workflowId)),
    );
    const [first] = recordIds as [string];
    // Entering the stage again: re-enrollment is off for stage entries.
    await moveRecord(stack, first, 'new');
    await moveRecord(stack, first, 'qualified');
    const refused = lineOf(await waitForTimeline(stack, first, 'not_enrolled', workflowId), workflowId, 'not_enrolled');

    const res = await stack.http.get(`/api/workflows/${workflowId}/issues`);
    expect(res.status).toBe(200);
    const items = res.body.items as IssueItem[];
    expect(items.map((item) => [item.kind, item.actionId])).toEqual([
      ['not_enrolled', undefined],
      ['action_skipped', 'mail'],
      ['action_failed', 'hook'],
    ]);
    const [refusal, skips, failures] = items as [IssueItem, IssueItem, IssueItem];

    const failedDetails = timelines.map((lines) => lineOf(lines, workflowId, 'action_failed')?.detail ?? '');
    expect(new Set(failedDetails).size).toBe(3);
    expect(failures).toEqual({
      actionId: 'hook',
      kind: 'action_failed',
      reason: issueReason(failedDetails[0]!),
      count: 3,
      firstAt: expect.any(String),
      lastAt: expect.any(String),
      sampleRecordIds: expect.arrayContaining(recordIds),
    });
    expect(failures.sampleRecordIds).toHaveLength(3);
    expect(failures.reason).toContain(`PUT ${base}/…`);
    expect(failures.reason).toContain('404');
    expect(recordIds.some((recordId) => failures.reason.includes(recordId))).toBe(false);
    expect(failures.firstAt <= failures.lastAt).toBe(true);

    expect(skips).toMatchObject({ count: 3, reason: lineOf(timelines[0]!, workflowId, 'action_skipped')?.detail });
    expect([...skips.sampleRecordIds].sort()).toEqual([...recordIds].sort());
    expect(refusal).toMatchObject({ count: 1, reason: refused?.detail, sampleRecordIds: [first] });
    expect(refusal.reason).toContain('re-enrollment is off');
    expect(refusal.firstAt).toBe(refusal.lastAt);

    const lastAts = items.map((item) => item.lastAt);
    expect(lastAts).toEqual([...lastAts].sort().reverse());
    // Read again: the same rows, nothing counted twice.
    expect((await stack.http.get(`/api/workflows/${workflowId}/issues`)).body.items).toEqual(items);
  });

  it('answers a workflow with nothing to look at with no rows, and an unknown workflow with 404', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Quiet',
      trigger: { type: 'stage_entered', stageId: 'won' },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Celebrate' } }],
    });
    expect((await stack.http.get(`/api/workflows/${workflowId}/issues`)).body).toEqual({ items: [] });

    const unknown = await stack.http.get('/api/workflows/wf-does-not-exist/issues');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('wf-does-not-exist');
  });

  it('is open to viewers', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Watched',
      trigger: { type: 'stage_entered', stageId: 'won' },
      actions: [{ id: 'task', type: 'create_task', config: { title: 'Celebrate' } }],
    });
    const token = await stack.http.post('/api/tokens').send({ name: 'dashboard', role: 'viewer' });
    expect(token.status).toBe(201);
    const res = await supertest(stack.api.url)
      .get(`/api/workflows/${workflowId}/issues`)
      .set('Authorization', `Bearer ${token.body.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [] });
  });
});
