import { sleep } from '../lib/load';
import type { Fault } from './stack';

/** What the load's workflows are made of; the checks read the same ids. */
export const DEAL_ACTIONS = ['task', 'flag', 'hook', 'pause', 'notify', 'follow-up'] as const;
export const TICKET_ACTIONS = ['ack', 'replied', 'answer'] as const;
/** Actions with an effect outside the walk (delays have none). */
export const DEAL_EFFECTS = DEAL_ACTIONS.filter((id) => id !== 'pause');

export interface Automations {
  dealPipelineId: string;
  ticketPipelineId: string;
  dealWorkflowId: string;
  ticketWorkflowId: string;
}

export interface ClientStats {
  requests: number;
  retries: number;
  gaveUp: number;
}

const REQUEST_TIMEOUT_MS = 15_000;
const GIVE_UP_AFTER_MS = 5 * 60_000;

/**
 * A client as a careful integration writes one: a request that fails on the network, times out, or gets a 5xx or a
 * 429 is sent again — with the same `Idempotency-Key` — to the next API process, with growing gaps, for up to five
 * minutes.
 */
export class RetryingClient {
  readonly stats: ClientStats = { requests: 0, retries: 0, gaveUp: 0 };
  private next = 0;

  constructor(
    private readonly urls: readonly string[],
    private readonly token: string,
  ) {}

  /** The final answer; `undefined` when every attempt failed until the client gave up. */
  async send(
    method: string,
    path: string,
    body: unknown,
    key?: string,
  ): Promise<{ status: number; body: unknown } | undefined> {
    const deadline = Date.now() + GIVE_UP_AFTER_MS;
    for (let attempt = 0, gap = 100; ; attempt += 1, gap = Math.min(gap * 2, 2_000)) {
      const url = this.urls[this.next++ % this.urls.length]!;
      this.stats.requests += 1;
      if (attempt > 0) this.stats.retries += 1;
      try {
        const res = await fetch(url + path, {
          method,
          headers: {
            Authorization: `Bearer ${this.token}`,
            'Content-Type': 'application/json',
            ...(key ? { 'Idempotency-Key': key } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const text = await res.text();
        if (res.status < 500 && res.status !== 429) {
          return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
        }
      } catch {
        // Refused, reset or timed out: the process may be down; try again.
      }
      if (Date.now() > deadline) {
        this.stats.gaveUp += 1;
        return undefined;
      }
      await sleep(gap);
    }
  }

  /** Like `send`, but throws unless the answer is `expected` (for set-up, which must succeed). */
  async expect(expected: number, method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.send(method, path, body);
    if (res?.status !== expected) {
      throw new Error(`${method} ${path}: expected ${expected}, got ${res?.status} ${JSON.stringify(res?.body)}`);
    }
    return res.body;
  }
}

/**
 * A deal pipeline whose workflow, on entering `qualified`, creates a task, sets a property, calls the webhook, waits
 * two seconds, notifies the team by email and creates a follow-up task; and a ticket pipeline whose workflow, when the
 * customer replies, emails the customer, sets a property and creates a task.
 */
export async function setUpAutomations(client: RetryingClient, run: string, webhookUrl: string): Promise<Automations> {
  const ids = {
    dealPipelineId: `deals-${run}`,
    ticketPipelineId: `tickets-${run}`,
    dealWorkflowId: `deal-flow-${run}`,
    ticketWorkflowId: `ticket-flow-${run}`,
  };
  const stages = [
    { id: 'new', label: 'New' },
    { id: 'qualified', label: 'Qualified' },
    { id: 'won', label: 'Won', state: 'closed' },
  ];
  await client.expect(201, 'POST', '/api/pipelines', {
    id: ids.dealPipelineId,
    objectType: 'deal',
    label: 'Deals',
    stages,
  });
  await client.expect(201, 'POST', '/api/pipelines', {
    id: ids.ticketPipelineId,
    objectType: 'ticket',
    label: 'Tickets',
    stages: [
      { id: 'new', label: 'New' },
      { id: 'waiting', label: 'Waiting on contact' },
      { id: 'closed', label: 'Closed', state: 'closed' },
    ],
  });
  const [task, flag, hook, pause, notify, followUp] = DEAL_ACTIONS;
  await client.expect(201, 'POST', '/api/workflows', {
    id: ids.dealWorkflowId,
    pipelineId: ids.dealPipelineId,
    name: 'Qualified deal',
    trigger: { type: 'stage_entered', stageId: 'qualified' },
    actions: [
      { id: task, type: 'create_task', config: { title: 'Call {{record.id}}' } },
      { id: flag, type: 'set_property', config: { property: 'contacted', value: 'yes' } },
      { id: hook, type: 'webhook', config: { url: webhookUrl, body: '{"record":"{{record.id}}"}' } },
      { id: pause, type: 'delay', config: { for: '2s' } },
      {
        id: notify,
        type: 'send_internal_notification',
        config: { to: { users: ['team@example.com'] }, subject: 'Qualified: {{record.id}}', body: 'Have a look.' },
      },
      { id: followUp, type: 'create_task', config: { title: 'Follow up {{record.id}}' } },
    ],
  });
  const [ack, replied, answer] = TICKET_ACTIONS;
  await client.expect(201, 'POST', '/api/workflows', {
    id: ids.ticketWorkflowId,
    pipelineId: ids.ticketPipelineId,
    name: 'Customer replied',
    trigger: { type: 'ticket_email', on: 'customer_replied' },
    actions: [
      { id: ack, type: 'send_email', config: { template: 'ticket_received' } },
      { id: replied, type: 'set_property', config: { property: 'replied', value: 'yes' } },
      { id: answer, type: 'create_task', config: { title: 'Answer {{record.id}}' } },
    ],
  });
  await client.expect(200, 'POST', `/api/workflows/${ids.dealWorkflowId}/enable`);
  await client.expect(200, 'POST', `/api/workflows/${ids.ticketWorkflowId}/enable`);
  return ids;
}

export interface FaultRecord {
  name: string;
  /** Seconds into the load when the part was killed. */
  at_s: number;
  /** Seconds from the kill until the part was back. */
  back_after_s: number;
}

export interface LoadResult {
  /** When the load began (ms since the epoch); fault and duplicate times are counted from here. */
  startedAt: number;
  /** Deals whose creation and move to `qualified` were both acknowledged (2xx). */
  deals: string[];
  /** Tickets whose customer reply was acknowledged (202, classified `customer_replied`). */
  tickets: string[];
  /** Events the client gave up on, or that were answered with a 4xx: never counted as lost. */
  unacknowledged: number;
  faults: FaultRecord[];
  client: ClientStats;
}

/**
 * Sends `perSecond` events for `durationMs` — three deals moved into `qualified` for each customer reply on a ticket —
 * as an open loop (a slow answer does not hold back the next event), while the faults are injected one after the
 * other at even intervals.
 */
export async function runLoad(options: {
  client: RetryingClient;
  automations: Automations;
  run: string;
  durationMs: number;
  perSecond: number;
  faults: readonly Fault[];
  say: (line: string) => void;
}): Promise<LoadResult> {
  const { client, automations, run } = options;
  const started = Date.now();
  const result: LoadResult = {
    startedAt: started,
    deals: [],
    tickets: [],
    unacknowledged: 0,
    faults: [],
    client: client.stats,
  };
  const seconds = (ms: number) => Math.round(ms / 100) / 10;

  const deal = async (id: string) => {
    const created = await client.send(
      'POST',
      '/api/records',
      { id, pipelineId: automations.dealPipelineId, stageId: 'new' },
      `create-${id}`,
    );
    const moved =
      created?.status === 201
        ? await client.send('PATCH', `/api/records/${id}`, { stageId: 'qualified' }, `move-${id}`)
        : undefined;
    if (moved?.status === 200) result.deals.push(id);
    else result.unacknowledged += 1;
  };
  const ticket = async (id: string) => {
    const threadId = `thread-${id}`;
    const customer = `${id}@customer.example`;
    const created = await client.send(
      'POST',
      '/api/records',
      {
        id,
        pipelineId: automations.ticketPipelineId,
        stageId: 'new',
        properties: { threadId },
        contacts: [{ email: customer }],
      },
      `create-${id}`,
    );
    const email =
      created?.status === 201
        ? await client.send(
            'POST',
            '/api/events/email',
            {
              ticketId: id,
              messageId: `<reply-${id}@customer.example>`,
              threadId,
              direction: 'inbound',
              from: customer,
              to: 'support@example.com',
            },
            `email-${id}`,
          )
        : undefined;
    const classification = (email?.body as { classification?: string } | undefined)?.classification;
    if (email?.status === 202 && classification === 'customer_replied') result.tickets.push(id);
    else result.unacknowledged += 1;
  };

  const faults = (async () => {
    const gap = options.durationMs / (options.faults.length + 1);
    for (const [index, fault] of options.faults.entries()) {
      await sleep(Math.max(0, started + gap * (index + 1) - Date.now()));
      const at = Date.now();
      options.say(`  fault: ${fault.name} at ${seconds(at - started)} s`);
      await fault.inject();
      result.faults.push({ name: fault.name, at_s: seconds(at - started), back_after_s: seconds(Date.now() - at) });
    }
  })();

  const events: Promise<void>[] = [];
  const total = Math.round((options.durationMs / 1000) * options.perSecond);
  for (let index = 0; index < total; index += 1) {
    await sleep(Math.max(0, started + (index * 1000) / options.perSecond - Date.now()));
    events.push(index % 4 === 3 ? ticket(`ticket-${run}-${index}`) : deal(`deal-${run}-${index}`));
  }
  await Promise.all([...events, faults]);
  return result;
}
