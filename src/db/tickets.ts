import type { TicketThreadKind } from '../domain/email-events';
import type { Queryable } from './pool';

export async function addTicketThread(
  db: Queryable,
  ticketId: string,
  threadId: string,
  kind: TicketThreadKind,
): Promise<void> {
  await db.query(
    'INSERT INTO ticket_threads (ticket_id, thread_id, kind) VALUES ($1, $2, $3) ON CONFLICT (ticket_id, thread_id) DO NOTHING',
    [ticketId, threadId, kind],
  );
}

export async function listTicketThreads(
  db: Queryable,
  ticketId: string,
): Promise<{ threadId: string; kind: TicketThreadKind }[]> {
  const { rows } = await db.query<{ thread_id: string; kind: TicketThreadKind }>(
    'SELECT thread_id, kind FROM ticket_threads WHERE ticket_id = $1 ORDER BY added_at',
    [ticketId],
  );
  return rows.map((row) => ({ threadId: row.thread_id, kind: row.kind }));
}

export async function wasReopened(db: Queryable, ticketId: string): Promise<boolean> {
  const { rows } = await db.query<{ reopened: boolean }>(
    'SELECT reopened_at IS NOT NULL AS reopened FROM records WHERE id = $1',
    [ticketId],
  );
  return rows[0]?.reopened ?? false;
}

export async function markReopened(db: Queryable, ticketId: string): Promise<void> {
  await db.query('UPDATE records SET reopened_at = now() WHERE id = $1', [ticketId]);
}

/** Stores an email event with its classification. */
export async function insertEmailEvent(
  db: Queryable,
  event: { eventId: string; ticketId: string; payload: unknown; classification: string },
): Promise<void> {
  await db.query('INSERT INTO email_events (event_id, ticket_id, payload, classification) VALUES ($1, $2, $3, $4)', [
    event.eventId,
    event.ticketId,
    JSON.stringify(event.payload),
    event.classification,
  ]);
}
