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

/** The ticket email an enrollment was started for, if any: its place in arrival order and its Message-ID. */
export async function findEnrollmentEmail(
  db: Queryable,
  enrollmentId: string,
): Promise<{ seq: number; messageId: string } | undefined> {
  const { rows } = await db.query<{ seq: string; message_id: string }>(
    `SELECT ee.seq, ee.payload->>'messageId' AS message_id
     FROM enrollments e JOIN email_events ee ON ee.event_id = e.event_id WHERE e.id = $1`,
    [enrollmentId],
  );
  return rows[0] && { seq: Number(rows[0].seq), messageId: rows[0].message_id };
}

/**
 * Records that the automation of the email at `seq` sets the ticket's status, unless the automation of a later email
 * already did (then false: the older email must not override it). Call with the ticket's row locked.
 */
export async function claimTicketStatus(db: Queryable, ticketId: string, seq: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE records SET status_email_seq = $2 WHERE id = $1 AND coalesce(status_email_seq, 0) <= $2',
    [ticketId, seq],
  );
  return rowCount === 1;
}
