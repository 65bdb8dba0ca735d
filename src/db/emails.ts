import { bySeq, type Page, type PageRequest, toPage } from './page';
import type { EmailKind, SentEmail } from '../domain/emails';
import type { Queryable } from './pool';

export interface OutgoingEmail {
  id: string;
  key: string;
  messageId: string;
  recordId: string;
  workflowId: string;
  actionId: string;
  kind: EmailKind;
  from: string;
  to: string;
  subject: string;
  body: string;
}

/**
 * Writes the ledger row for a message before it is sent. If a row with the same key exists (a retried
 * activity), that row wins and is returned, so the retry sends the same message with the same Message-ID.
 */
export async function recordOutgoingEmail(
  db: Queryable,
  email: OutgoingEmail,
): Promise<{ messageId: string; from: string; to: string; subject: string; body: string; sentAt: Date | null }> {
  await db.query(
    `INSERT INTO emails (id, key, message_id, record_id, workflow_id, action_id, kind, from_address, to_address, subject, body)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (key) DO NOTHING`,
    [
      email.id,
      email.key,
      email.messageId,
      email.recordId,
      email.workflowId,
      email.actionId,
      email.kind,
      email.from,
      email.to,
      email.subject,
      email.body,
    ],
  );
  const { rows } = await db.query<EmailRow>('SELECT * FROM emails WHERE key = $1', [email.key]);
  const row = rows[0]!;
  return {
    messageId: row.message_id,
    from: row.from_address,
    to: row.to_address,
    subject: row.subject,
    body: row.body,
    sentAt: row.sent_at,
  };
}

/** Marks a ledger row as accepted by SMTP; counts every attempt so a resend after a crash is visible. */
export async function markEmailSent(db: Queryable, key: string): Promise<void> {
  await db.query(
    'UPDATE emails SET sent_at = coalesce(sent_at, now()), send_attempts = send_attempts + 1 WHERE key = $1',
    [key],
  );
}

interface EmailRow {
  id: string;
  message_id: string;
  record_id: string | null;
  kind: EmailKind;
  from_address: string;
  to_address: string;
  subject: string;
  body: string;
  sent_at: Date | null;
}

/** Messages that left through SMTP, in the order they were queued. */
export async function listSentEmails(
  db: Queryable,
  filter: { recordId?: string; to?: string },
  page: PageRequest,
): Promise<Page<SentEmail>> {
  const { rows } = await db.query<EmailRow & { seq: string }>(
    `SELECT * FROM emails WHERE sent_at IS NOT NULL
       AND ($1::text IS NULL OR record_id = $1) AND ($2::text IS NULL OR lower(to_address) = lower($2))
       AND ($3::bigint IS NULL OR seq > $3) ORDER BY seq LIMIT $4`,
    [filter.recordId ?? null, filter.to ?? null, page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page, bySeq, (row) => ({
    id: row.id,
    messageId: row.message_id,
    recordId: row.record_id,
    kind: row.kind,
    from: row.from_address,
    to: row.to_address,
    subject: row.subject,
    body: row.body,
    sentAt: row.sent_at!.toISOString(),
  }));
}
