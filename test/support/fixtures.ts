import { insertPipeline } from '../../src/db/pipelines';
import type { Queryable } from '../../src/db/pool';
import { insertRecord } from '../../src/db/records';
import type { TestStack } from './stack';
import { eventually, unique } from './stack';

async function createPipeline(
  stack: TestStack,
  objectType: string,
  stages: { id: string; label: string; state?: string }[],
) {
  const id = unique(objectType);
  const res = await stack.http.post('/api/pipelines').send({ id, objectType, label: objectType, stages });
  expect(res.status).toBe(201);
  return id;
}

/**
 * A deal record in stage `new` of a fresh one-stage pipeline, written straight to the database (for tests of
 * activities, which run without the API); returns its id.
 */
export async function insertDealRecord(db: Queryable, properties: Record<string, unknown> = {}): Promise<string> {
  const pipelineId = unique('deals');
  await insertPipeline(db, {
    id: pipelineId,
    objectType: 'deal',
    label: 'Deals',
    stages: [{ id: 'new', label: 'New', state: 'open' }],
  });
  const recordId = unique('rec');
  await insertRecord(db, {
    id: recordId,
    objectType: 'deal',
    pipelineId,
    stageId: 'new',
    properties,
    source: null,
    ownerId: null,
    contacts: [],
  });
  return recordId;
}

/** A deal pipeline with stages `new`, `qualified`, `won` (closed). */
export function createDealPipeline(stack: TestStack): Promise<string> {
  return createPipeline(stack, 'deal', [
    { id: 'new', label: 'New' },
    { id: 'qualified', label: 'Qualified' },
    { id: 'won', label: 'Won', state: 'closed' },
  ]);
}

/** A ticket pipeline whose stages are statuses `new`, `waiting`, `closed` (closed); `new` is the first open one. */
export function createTicketPipeline(stack: TestStack): Promise<string> {
  return createPipeline(stack, 'ticket', [
    { id: 'new', label: 'New' },
    { id: 'waiting', label: 'Waiting on contact' },
    { id: 'closed', label: 'Closed', state: 'closed' },
  ]);
}

/** The titles of a record's tasks, oldest first. */
export async function taskTitles(stack: TestStack, recordId: string): Promise<string[]> {
  const res = await stack.http.get(`/api/tasks?recordId=${recordId}`);
  expect(res.status).toBe(200);
  return (res.body.items as { title: string }[]).map((task) => task.title);
}

/** Creates a workflow (201 expected) and returns its id. */
export async function createWorkflow(stack: TestStack, body: Record<string, unknown>): Promise<string> {
  const res = await stack.http.post('/api/workflows').send({ id: unique('wf'), ...body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

export async function enableWorkflow(stack: TestStack, id: string): Promise<void> {
  const res = await stack.http.post(`/api/workflows/${id}/enable`);
  expect(res.status).toBe(200);
}

export async function createRecord(stack: TestStack, body: Record<string, unknown>): Promise<string> {
  const res = await stack.http.post('/api/records').send({ id: unique('rec'), ...body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

export async function moveRecord(stack: TestStack, id: string, stageId: string): Promise<void> {
  const res = await stack.http.patch(`/api/records/${id}`).send({ stageId });
  expect(res.status).toBe(200);
}

export interface TimelineLine {
  kind: string;
  workflowId?: string;
  enrollmentId?: string;
  actionId?: string;
  detail: string;
}

/** Waits until the relay has delivered every event stored so far. */
export async function waitForOutbox(stack: TestStack): Promise<void> {
  await eventually(
    async () => {
      const { rowCount } = await stack.pool.query('SELECT 1 FROM outbox WHERE delivered_at IS NULL');
      return rowCount === 0 ? true : undefined;
    },
    20_000,
    'the outbox delivered',
  );
}

export async function timeline(stack: TestStack, recordId: string): Promise<TimelineLine[]> {
  const res = await stack.http.get(`/api/records/${recordId}/timeline`);
  expect(res.status).toBe(200);
  return res.body.items as TimelineLine[];
}

/** Waits until the record's timeline has a line of `kind` (optionally for one workflow) and returns the timeline. */
export async function waitForTimeline(
  stack: TestStack,
  recordId: string,
  kind: string,
  workflowId?: string,
): Promise<TimelineLine[]> {
  return eventually(
    async () => {
      const lines = await timeline(stack, recordId);
      return lines.some((line) => line.kind === kind && (!workflowId || line.workflowId === workflowId))
        ? lines
        : undefined;
    },
    30_000,
    `a "${kind}" line in the timeline of ${recordId}`,
  );
}

/** Posts an email event on a ticket's thread: by default the customer's reply. */
export function postEmail(stack: TestStack, ticketId: string, fields: Record<string, unknown> = {}) {
  return stack.http.post('/api/events/email').send({
    ticketId,
    messageId: unique('msg'),
    threadId: 'origin-thread',
    direction: 'inbound',
    from: 'customer@example.com',
    to: 'support@example.com',
    ...fields,
  });
}

/** The two status workflows of a ticket pipeline of `createTicketPipeline`: sent to the customer → waiting, replied → new. */
export async function createStatusWorkflows(
  stack: TestStack,
  pipelineId: string,
): Promise<{ sent: string; replied: string }> {
  const sent = await createWorkflow(stack, {
    pipelineId,
    name: 'Sent → waiting',
    trigger: { type: 'ticket_email', on: 'email_sent_to_customer' },
    actions: [{ id: 'to-waiting', type: 'set_stage', config: { stageId: 'waiting' } }],
  });
  const replied = await createWorkflow(stack, {
    pipelineId,
    name: 'Replied → new',
    trigger: { type: 'ticket_email', on: 'customer_replied' },
    actions: [{ id: 'to-new', type: 'set_stage', config: { stageId: 'new' } }],
  });
  return { sent, replied };
}
