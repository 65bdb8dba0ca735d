import type { TimelineKind } from '../domain';
import type { TimelineItem } from '../domain/timeline';
import { isIssueKind, issueReason } from '../domain/issues';
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

/**
 * Writes timeline lines in one statement, in order, leaving out any whose `dedupeKey` was written already, and
 * returns how many it wrote. Each failure, skip or refusal of a workflow that is written also adds its row to
 * `workflow_issue_lines` (a plain insert, in the same statement, so a line that was left out is never counted);
 * `GET /api/workflows/:id/issues` folds those rows into the workflow's issue groups (src/db/issues.ts).
 */
async function insertLines(db: Queryable, entries: TimelineEntry[]): Promise<number> {
  const column = <K extends keyof TimelineEntry>(key: K) => entries.map((entry) => entry[key] ?? null);
  // The reason depends on the kind and the detail only: one row per pair, to join the written lines with.
  const reasons = new Map<string, { kind: string; detail: string; reason: string }>();
  for (const { kind, detail, workflowId } of entries) {
    if (workflowId !== undefined && isIssueKind(kind)) {
      reasons.set(JSON.stringify([kind, detail]), { kind, detail, reason: issueReason(detail) });
    }
  }
  const issues = [...reasons.values()];
  const { rows } = await db.query<{ written: number }>(
    `WITH written AS (
       INSERT INTO timeline (record_id, kind, workflow_id, enrollment_id, action_id, event_id, detail, dedupe_key)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING record_id, kind, workflow_id, action_id, detail, at
     ), issues AS (
       INSERT INTO workflow_issue_lines (workflow_id, action_id, kind, reason, record_id, at)
       SELECT written.workflow_id, written.action_id, written.kind, reasons.reason, written.record_id, written.at
       FROM written JOIN unnest($9::text[], $10::text[], $11::text[]) AS reasons (kind, detail, reason)
         USING (kind, detail)
       WHERE written.workflow_id IS NOT NULL
     )
     SELECT count(*)::int AS written FROM written`,
    [
      column('recordId'),
      column('kind'),
      column('workflowId'),
      column('enrollmentId'),
      column('actionId'),
      column('eventId'),
      column('detail'),
      column('dedupeKey'),
      issues.map((issue) => issue.kind),
      issues.map((issue) => issue.detail),
      issues.map((issue) => issue.reason),
    ],
  );
  return rows[0]?.written ?? 0;
}

/** Appends lines in one statement, in order; a line whose `dedupeKey` was written already is left out. */
export async function appendTimelineLines(db: Queryable, entries: TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await insertLines(db, entries);
}

/** Appends a line to a record's timeline (the audit log). Returns false when `dedupeKey` was already written. */
export async function appendTimeline(db: Queryable, entry: TimelineEntry): Promise<boolean> {
  return (await insertLines(db, [entry])) === 1;
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

/** A record's timeline, oldest first, or newest first with `order: 'desc'` (a page's cursor then goes back in time). */
export async function listTimeline(
  db: Queryable,
  recordId: string,
  page: PageRequest,
  order: 'asc' | 'desc' = 'asc',
): Promise<Page<TimelineItem>> {
  const { rows } = await db.query<TimelineRow & { id: string }>(
    order === 'asc'
      ? `SELECT id, at, kind, workflow_id, enrollment_id, action_id, event_id, detail FROM timeline
         WHERE record_id = $1 AND ($2::bigint IS NULL OR id > $2) ORDER BY id LIMIT $3`
      : `SELECT id, at, kind, workflow_id, enrollment_id, action_id, event_id, detail FROM timeline
         WHERE record_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [recordId, page.after ?? null, page.limit + 1],
  );
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => ({
      id: row.id,
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
