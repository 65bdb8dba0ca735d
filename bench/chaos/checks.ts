import type { Pool } from '../../src/db/pool';
import type { ReceivedMessage } from '../../src/mail/sink';
import { waitForCount } from '../lib/load';
import {
  type Automations,
  DEAL_ACTIONS,
  DEAL_EFFECTS,
  type LoadResult,
  type RetryingClient,
  TICKET_ACTIONS,
} from './load';
import type { WebhookReceiver } from './webhook';

/** The verdict of one run: every figure must be 0 (emails: at most one resend per crash) for the run to pass. */
export interface Verdict {
  /** Acknowledged events without a completed enrollment. */
  lost: number;
  /** Effect actions of completed enrollments without their once-only ledger row. */
  actions_missing: number;
  duplicate_enrollments: number;
  duplicate_tasks: number;
  /** Records whose version says a property was written more often than the workflow writes it. */
  duplicate_property_changes: number;
  /** (enrollment, action) pairs whose webhook deliveries carried more than one Idempotency-Key, or none. */
  duplicate_webhook_effects: number;
  /** Deliveries repeated with the same Idempotency-Key (allowed: the receiver applies a key once). */
  webhook_redeliveries: number;
  emails_sent: number;
  /** Emails that reached SMTP more than once (allowed up to one per crash) … */
  email_duplicates: number;
  /** When each resend arrived, in seconds from the start of the load (to match against the faults' times). */
  email_resends_at_s: number[];
  /** … and resends that did not carry the first send's Message-ID (never allowed). */
  emails_with_unknown_message_id: number;
  /** Enrollments neither completed, cancelled, nor waiting with a wake time. */
  stuck: number;
  timelines_checked: number;
  timelines_out_of_order: number;
  /** Seconds from the end of the load until every acknowledged event's enrollment had completed. */
  drain_s: number;
  passed: boolean;
}

/** Give up draining when no enrollment has completed for this long (webhook retries start 10 s apart). */
const DRAIN_STALL_MS = 3 * 60_000;
const TIMELINE_SAMPLE = 20;

/** Waits for the acknowledged events to drain, then checks every guarantee in docs/architecture.md against what happened. */
export async function judge(options: {
  pool: Pool;
  client: RetryingClient;
  automations: Automations;
  load: LoadResult;
  sink: { messages: readonly ReceivedMessage[] };
  webhook: WebhookReceiver;
  crashes: number;
}): Promise<Verdict> {
  const { pool, automations, load } = options;
  const workflows = [automations.dealWorkflowId, automations.ticketWorkflowId];
  const acknowledged = [...load.deals, ...load.tickets];
  const loadEnded = Date.now();
  const { count: drained } = await waitForCount(
    'enrollments completed',
    acknowledged.length,
    async () => {
      const { rows } = await pool.query<{ count: number }>(
        `SELECT count(DISTINCT record_id)::int AS count FROM enrollments
          WHERE workflow_id = ANY($1) AND record_id = ANY($2) AND status = 'completed'`,
        [workflows, acknowledged],
      );
      return rows[0]!;
    },
    DRAIN_STALL_MS,
  );
  const drainS = Math.round((Date.now() - loadEnded) / 100) / 10;

  const count = async (sql: string, params: unknown[]) => (await pool.query<{ n: number }>(sql, params)).rows[0]!.n;
  const expectedEffects = [
    ...load.deals.flatMap((record) => DEAL_EFFECTS.map((action) => [automations.dealWorkflowId, record, action])),
    ...load.tickets.flatMap((record) => TICKET_ACTIONS.map((action) => [automations.ticketWorkflowId, record, action])),
  ];
  const actionsMissing = await count(
    `SELECT count(*)::int AS n
       FROM unnest($1::text[], $2::text[], $3::text[]) AS expected (workflow_id, record_id, action_id)
       JOIN enrollments e ON e.workflow_id = expected.workflow_id AND e.record_id = expected.record_id
      WHERE NOT EXISTS (SELECT 1 FROM action_runs r WHERE r.key = e.id || ':' || expected.action_id)
        -- An email action's ledger is its emails, one per recipient (key <enrollment>:<action>:<address>), sent.
        AND NOT EXISTS (SELECT 1 FROM emails m WHERE starts_with(m.key, e.id || ':' || expected.action_id || ':')
                                                 AND m.sent_at IS NOT NULL)`,
    [0, 1, 2].map((column) => expectedEffects.map((row) => row[column])),
  );
  const duplicateEnrollments = await count(
    `SELECT count(*)::int AS n FROM (
       SELECT record_id FROM enrollments WHERE workflow_id = ANY($1) GROUP BY workflow_id, record_id HAVING count(*) > 1
     ) AS twice`,
    [workflows],
  );
  const duplicateTasks = await count(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM tasks WHERE workflow_id = ANY($1) GROUP BY enrollment_id, action_id HAVING count(*) > 1
     ) AS twice`,
    [workflows],
  );
  // A record is written once at creation (version 1), once per move, and once per set_property: a deal is moved once
  // and has one set_property, a ticket none and one.
  const duplicatePropertyChanges = await count(
    `SELECT count(*)::int AS n FROM records
      WHERE (id = ANY($1) AND version > 3) OR (id = ANY($2) AND version > 2)`,
    [load.deals, load.tickets],
  );

  const keysPerPair = new Map<string, Set<string>>();
  let unkeyed = 0;
  for (const delivery of options.webhook.deliveries) {
    if (!delivery.key) {
      unkeyed += 1;
      continue;
    }
    const pair = delivery.key.slice(0, delivery.key.lastIndexOf(':'));
    keysPerPair.set(pair, (keysPerPair.get(pair) ?? new Set()).add(delivery.key));
  }
  const duplicateWebhookEffects = unkeyed + [...keysPerPair.values()].filter((keys) => keys.size > 1).length;

  const { rows: sent } = await pool.query<{ message_id: string }>(
    'SELECT message_id FROM emails WHERE workflow_id = ANY($1)',
    [workflows],
  );
  const known = new Set(sent.map((row) => row.message_id));
  // The sink belongs to this run's stack: every message in it was sent by one of these workflows.
  const arrivals = new Map<string, Date[]>();
  for (const message of options.sink.messages) {
    arrivals.set(message.messageId, [...(arrivals.get(message.messageId) ?? []), message.receivedAt]);
  }
  const resendsAt = [...arrivals.values()]
    .flatMap((times) => times.slice(1))
    .map((at) => Math.round((at.getTime() - load.startedAt) / 100) / 10)
    .sort((a, b) => a - b);
  const unknownMessageIds = [...arrivals.keys()].filter((id) => !known.has(id)).length;

  const stuck = await count(
    `SELECT count(*)::int AS n FROM enrollments
      WHERE workflow_id = ANY($1) AND status NOT IN ('completed', 'cancelled')
        AND NOT (status = 'waiting' AND wake_at IS NOT NULL)`,
    [workflows],
  );

  const sample = load.deals
    .filter((_, index) => index % Math.max(1, Math.floor(load.deals.length / TIMELINE_SAMPLE)) === 0)
    .slice(0, TIMELINE_SAMPLE);
  let outOfOrder = 0;
  for (const recordId of sample) {
    if (!(await timelineInOrder(options.client, recordId, automations.dealWorkflowId))) outOfOrder += 1;
  }

  const verdict = {
    lost: acknowledged.length - drained,
    actions_missing: actionsMissing,
    duplicate_enrollments: duplicateEnrollments,
    duplicate_tasks: duplicateTasks,
    duplicate_property_changes: duplicatePropertyChanges,
    duplicate_webhook_effects: duplicateWebhookEffects,
    webhook_redeliveries: options.webhook.deliveries.length - options.webhook.effects.size,
    emails_sent: known.size,
    email_duplicates: resendsAt.length,
    email_resends_at_s: resendsAt,
    emails_with_unknown_message_id: unknownMessageIds,
    stuck,
    timelines_checked: sample.length,
    timelines_out_of_order: outOfOrder,
    drain_s: drainS,
  };
  const passed =
    verdict.lost === 0 &&
    verdict.actions_missing === 0 &&
    verdict.duplicate_enrollments === 0 &&
    verdict.duplicate_tasks === 0 &&
    verdict.duplicate_property_changes === 0 &&
    verdict.duplicate_webhook_effects === 0 &&
    verdict.email_duplicates <= options.crashes &&
    verdict.emails_with_unknown_message_id === 0 &&
    verdict.stuck === 0 &&
    verdict.timelines_out_of_order === 0;
  return { ...verdict, passed };
}

/**
 * A deal's timeline, read over the API, lists its stage entries, then the enrollment, each step of the workflow once
 * and in the workflow's order, and the enrollment's end last.
 */
async function timelineInOrder(client: RetryingClient, recordId: string, workflowId: string): Promise<boolean> {
  const res = await client.send('GET', `/api/records/${recordId}/timeline?limit=200`, undefined);
  const items = (res?.body as { items?: { kind: string; workflowId?: string; actionId?: string }[] } | undefined)
    ?.items;
  if (!items) return false;
  const steps = items
    .filter((item) => item.workflowId === workflowId)
    .map((item) => (item.actionId ? `${item.kind}:${item.actionId}` : item.kind));
  const [task, flag, hook, pause, notify, followUp] = DEAL_ACTIONS;
  const expected = [
    'enrolled',
    `action_completed:${task}`,
    `action_completed:${flag}`,
    `action_completed:${hook}`,
    `delay_started:${pause}`,
    `action_completed:${notify}`,
    `action_completed:${followUp}`,
    'enrollment_completed',
  ];
  const entries = items.filter((item) => item.kind === 'stage_entered').length;
  return entries === 2 && JSON.stringify(steps) === JSON.stringify(expected);
}
