import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import type supertest from 'supertest';
import { automationWorkflowId } from '../../src/domain';
import { createDealPipeline, createRecord, createWorkflow, enableWorkflow, waitForTimeline } from '../support/fixtures';
import { startTestStack, type TestStack, unique } from '../support/stack';

/** Every string in a Temporal history, payload bytes decoded as UTF-8, so that a value in any payload shows. */
function historyText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return value.map(historyText).join('\n');
  if (value !== null && typeof value === 'object') return Object.values(value).map(historyText).join('\n');
  return '';
}

describe('a secret a webhook uses', () => {
  let stack: TestStack;
  const logLines: string[] = [];
  const received: { url: string; authorization?: string }[] = [];
  let receiver: http.Server;
  let base: string;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    stack = await startTestStack({ log: pino({ level: 'trace' }, sink) });
    receiver = http.createServer((req, res) => {
      received.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(req.url?.startsWith('/missing') ? 404 : 200).end();
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await stack.stop();
    receiver.closeAllConnections();
    receiver.close();
    await once(receiver, 'close');
  });

  it('reaches the receiver, and no response, timeline line, log line or Temporal history holds its value', async () => {
    const value = `sk_live_${randomBytes(16).toString('hex')}`;
    const responses: supertest.Response[] = [];
    const keep = async (request: Promise<supertest.Response>) => {
      const res = await request;
      responses.push(res);
      return res;
    };

    expect((await keep(stack.http.put('/api/secrets/crm_token').send({ value }))).status).toBe(204);
    const pipelineId = await createDealPipeline(stack);
    const hookPath = `/hook/${unique('path')}`;
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Uses a secret',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        {
          id: 'call',
          type: 'webhook',
          config: {
            url: `${base}${hookPath}/{{secrets.crm_token}}?key={{secrets.crm_token}}`,
            headers: { Authorization: 'Bearer {{ secrets.crm_token }}' },
            body: { recordId: '{{record.id}}' },
          },
        },
        { id: 'rejected', type: 'webhook', config: { url: `${base}/missing/{{secrets.crm_token}}` } },
        {
          id: 'unknown',
          type: 'webhook',
          config: { url: `${base}/never`, headers: { 'X-Key': '{{secrets.not_stored}}' } },
        },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);

    // The receiver got the value, in the path, the query and the header.
    expect(received.filter((request) => request.url.startsWith(hookPath))).toEqual([
      { url: `${hookPath}/${value}?key=${value}`, authorization: `Bearer ${value}` },
    ]);
    expect(received.filter((request) => request.url.startsWith('/never'))).toEqual([]);
    const detailOf = (actionId: string) => lines.find((line) => line.actionId === actionId);
    expect(detailOf('call')).toMatchObject({
      kind: 'action_completed',
      detail: `POST ${base}${hookPath}/[secrets.crm_token] → 200`,
    });
    expect(detailOf('rejected')).toMatchObject({ kind: 'action_failed' });
    expect(detailOf('rejected')?.detail).toContain(`/missing/[secrets.crm_token] → 404`);
    expect(detailOf('unknown')).toMatchObject({ kind: 'action_failed' });
    expect(detailOf('unknown')?.detail).toContain('the secret "not_stored", which does not exist');

    // Everything the API answers about this run.
    const enrollments = await keep(stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`));
    expect(enrollments.body.items).toHaveLength(1);
    const enrollmentId = enrollments.body.items[0].id as string;
    for (const path of [
      `/api/records/${recordId}/timeline`,
      `/api/records/${recordId}`,
      `/api/workflows/${workflowId}`,
      `/api/workflows?pipelineId=${pipelineId}`,
      `/api/workflows/${workflowId}/revisions`,
      `/api/tasks?recordId=${recordId}`,
      '/api/secrets',
    ]) {
      expect((await keep(stack.http.get(path))).status).toBe(200);
    }
    for (const res of responses) {
      const answer = JSON.stringify({ status: res.status, headers: res.headers, text: res.text });
      expect({ url: res.request.url, leaks: answer.includes(value) }).toEqual({ url: res.request.url, leaks: false });
    }

    // The Temporal histories: the enrollment's and its automation workflow's hold the placeholder, not the value.
    const enrollmentHistory = historyText(await stack.temporal.workflow.getHandle(enrollmentId).fetchHistory());
    expect(enrollmentHistory).toContain('{{secrets.crm_token}}');
    expect(enrollmentHistory).toContain('[secrets.crm_token]');
    expect(enrollmentHistory).not.toContain(value);
    const automation = stack.temporal.workflow.getHandle(automationWorkflowId(workflowId, 0));
    expect(historyText(await automation.fetchHistory())).not.toContain(value);

    // No log line of the API, the relay, the worker or the Temporal SDK (at trace level).
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.includes(value))).toEqual([]);
  });
});
