import type {
  AutomationToggleEvent,
  EnrollmentStartEvent,
  PropertyChange,
  PropertyChangedEvent,
  StageEnteredEvent,
  TicketEmailEvent,
} from '../domain';
import { type ActionRetryInput, actionRetryWorkflowId, EventTypes, quoteValue, TimelineKinds } from '../domain';
import type { Queryable } from './pool';
import { appendTimeline } from './timeline';

/** The channel the relay listens on; a NOTIFY is sent in the transaction that adds an outbox row. */
export const OUTBOX_CHANNEL = 'pipewright_outbox';

/**
 * Records that a record entered a stage: the timeline line and the outbox row the relay delivers to Temporal.
 * Call it inside the transaction that changes the record, so the change and its event commit together.
 */
export async function enqueueStageEntered(db: Queryable, event: StageEnteredEvent, cause: string): Promise<void> {
  await insertOutboxRow(db, EventTypes.stageEntered, event.eventId, event.recordId, event);
  await appendTimeline(db, {
    recordId: event.recordId,
    kind: TimelineKinds.stageEntered,
    eventId: event.eventId,
    detail: `entered stage "${event.stageId}" (${cause})`,
  });
}

/**
 * Records that a property of a record got a different value: the `property_changed` timeline line (old → new) and
 * the outbox row the relay delivers. Call it inside the transaction that changes the record.
 */
export async function enqueuePropertyChanged(
  db: Queryable,
  event: PropertyChangedEvent,
  change: Pick<PropertyChange, 'from' | 'to'>,
  cause: string,
): Promise<void> {
  await insertOutboxRow(db, EventTypes.propertyChanged, event.eventId, event.recordId, event);
  await appendTimeline(db, {
    recordId: event.recordId,
    kind: TimelineKinds.propertyChanged,
    eventId: event.eventId,
    detail: `property "${event.property}" changed: ${quoteValue(change.from)} → ${quoteValue(change.to)} (${cause})`,
  });
}

/** Queues a ticket email that fires `ticket_email` triggers; call it in the transaction that stores the email. */
export async function enqueueTicketEmail(db: Queryable, event: TicketEmailEvent): Promise<void> {
  await insertOutboxRow(db, EventTypes.ticketEmail, event.eventId, event.recordId, event);
}

async function insertOutboxRow(db: Queryable, type: string, eventId: string, recordId: string, payload: unknown) {
  await db.query('INSERT INTO outbox (event_id, type, record_id, payload) VALUES ($1, $2, $3, $4)', [
    eventId,
    type,
    recordId,
    JSON.stringify(payload),
  ]);
  await db.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, eventId]);
}

/**
 * Asks the relay to make a workflow's automation workflows match its row (turned on or off, deleted, shards changed).
 * Stored in the transaction that makes the change, so a toggle survives an unreachable Temporal.
 */
export async function enqueueAutomationToggle(db: Queryable, event: AutomationToggleEvent): Promise<void> {
  await insertOutboxRow(db, EventTypes.automationToggle, event.eventId, '', event);
}

/**
 * Asks the relay to start the workflow of an enrollment recorded in this transaction (one enrolled by hand), so the
 * start survives an unreachable Temporal.
 */
export async function enqueueEnrollmentStart(db: Queryable, event: EnrollmentStartEvent): Promise<void> {
  await insertOutboxRow(db, EventTypes.enrollmentStart, event.eventId, event.enrollment.recordId, event);
}

/** Asks the relay to start one retry of a failed action, queued with its `action_retried` line. */
export async function enqueueActionRetry(db: Queryable, retry: ActionRetryInput): Promise<void> {
  await insertOutboxRow(db, EventTypes.actionRetry, actionRetryWorkflowId(retry), retry.recordId, retry);
}

export type OutboxRow = { id: string; event_id: string; attempts: number } & (
  | { type: typeof EventTypes.stageEntered; payload: StageEnteredEvent }
  | { type: typeof EventTypes.propertyChanged; payload: PropertyChangedEvent }
  | { type: typeof EventTypes.ticketEmail; payload: TicketEmailEvent }
  | { type: typeof EventTypes.automationToggle; payload: AutomationToggleEvent }
  | { type: typeof EventTypes.enrollmentStart; payload: EnrollmentStartEvent }
  | { type: typeof EventTypes.actionRetry; payload: ActionRetryInput }
);

/** Any constant will do: the advisory lock that lets one relay at a time deliver (a test holds it to hold the relay). */
export const DELIVERY_LOCK = 7_311_022;

/**
 * Locks up to `limit` undelivered rows, oldest first, for the rest of the transaction; none while another relay is
 * delivering. One relay at a time, so events reach Temporal in the order they were stored: with several API processes,
 * two relays taking rows side by side could signal a record's later event before its earlier one.
 */
export async function lockPendingEvents(db: Queryable, limit: number): Promise<OutboxRow[]> {
  const { rows: lock } = await db.query<{ held: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS held', [
    DELIVERY_LOCK,
  ]);
  if (!lock[0]?.held) return [];
  const { rows } = await db.query<OutboxRow>(
    `SELECT id, event_id, type, payload, attempts FROM outbox
     WHERE delivered_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE`,
    [limit],
  );
  return rows;
}

/**
 * The moment of marking, not the delivery transaction's start: a backfill takes a stage entry delivered at or after it
 * was asked for (and not found off) for one its workflow's own event handles (`listEnteredSince`).
 */
export async function markDelivered(db: Queryable, ids: string[]): Promise<void> {
  await db.query(
    'UPDATE outbox SET delivered_at = clock_timestamp(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])',
    [ids],
  );
}

export async function recordDeliveryFailure(db: Queryable, id: string, error: string): Promise<void> {
  await db.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [id, error]);
}

/** How many events wait for delivery, and the age in seconds of the oldest. */
export async function outboxLag(db: Queryable): Promise<{ pending: number; oldestSeconds: number }> {
  const { rows } = await db.query<{ pending: string; oldest: number | null }>(
    `SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
     FROM outbox WHERE delivered_at IS NULL`,
  );
  return { pending: Number(rows[0]?.pending ?? 0), oldestSeconds: rows[0]?.oldest ?? 0 };
}
