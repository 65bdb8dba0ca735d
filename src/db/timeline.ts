import type { TimelineKind } from '../domain';
import { type Page, type PageRequest, toPage } from './page';
import type { Queryable } from './pool';

export interface TimelineEntry {
  recordId: string;
  kind: TimelineKind;
  workflowId?: string;
  enrollmentId?: string;
  actionId?: string;
  eventId?: string;
  detail: string;
  /** Makes the write idempotent: a second entry with the same key is ignored. */
  dedupeKey?: string;
}

export interface TimelineItem {
  at: string;
  kind: string;
  workflowId?: string;
  enrollmentId?: string;
  actionId?: string;
  eventId?: string;
  detail: string;
}

/** Appends lines in one statement, in order; a line whose `dedupeKey` was written already is left out. */
export async function appendTimelineLines(db: Queryable, entries: TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const column = <K extends keyof TimelineEntry>(key: K) => entries.map((entry) => entry[key] ?? null);
  await db.query(
    `INSERT INTO timeline (record_id, kind, workflow_id, enrollment_id, action_id, event_id, detail, dedupe_key)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [
      column('recordId'),
      column('kind'),
      column('workflowId'),
      column('enrollmentId'),
      column('actionId'),
      column('eventId'),
      column('detail'),
      column('dedupeKey'),
    ],
  );
}

/** Appends a line to a record's timeline (the audit log). Returns false when `dedupeKey` was already written. */
export async function appendTimeline(db: Queryable, entry: TimelineEntry): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO timeline (record_id, kind, workflow_id, enrollment_id, action_id, event_id, detail, dedupe_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING`,
    [
      entry.recordId,
      entry.kind,
      entry.workflowId ?? null,
      entry.enrollmentId ?? null,
      entry.actionId ?? null,
      entry.eventId ?? null,
      entry.detail,
      entry.dedupeKey ?? null,
    ],
  );
  return rowCount === 1;
}

interface TimelineRow {
  at: Date;
  kind: string;
  workflow_id: string | null;
  enrollment_id: string | null;
  action_id: string | null;
  event_id: string | null;
  detail: string;
}

/** A record's timeline, oldest first. */
export async function listTimeline(db: Queryable, recordId: string, page: PageRequest): Promise<Page<TimelineItem>> {
  const { rows } = await db.query<TimelineRow & { id: string }>(
    `SELECT id, at, kind, workflow_id, enrollment_id, action_id, event_id, detail FROM timeline
     WHERE record_id = $1 AND ($2::bigint IS NULL OR id > $2) ORDER BY id LIMIT $3`,
    [recordId, page.after ?? null, page.limit + 1],
  );
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => ({
      at: row.at.toISOString(),
      kind: row.kind,
      ...(row.workflow_id && { workflowId: row.workflow_id }),
      ...(row.enrollment_id && { enrollmentId: row.enrollment_id }),
      ...(row.action_id && { actionId: row.action_id }),
      ...(row.event_id && { eventId: row.event_id }),
      detail: row.detail,
    }),
  );
}
