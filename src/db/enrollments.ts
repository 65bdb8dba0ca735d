import { bySeq, type Page, type PageRequest, toPage } from './page';
import type { Queryable } from './pool';

export const EnrollmentStatuses = {
  running: 'running',
  waiting: 'waiting',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
} as const;
export type EnrollmentStatus = (typeof EnrollmentStatuses)[keyof typeof EnrollmentStatuses];

export interface Enrollment {
  id: string;
  recordId: string;
  status: EnrollmentStatus;
  currentActionId?: string;
  wakeAt?: string;
  startedAt: string;
  endedAt?: string;
}

/** Inserts a running enrollment; returns false when it exists already (a retried start). */
export async function insertEnrollment(
  db: Queryable,
  enrollment: { id: string; workflowId: string; recordId: string; eventId: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO enrollments (id, workflow_id, record_id, event_id, status) VALUES ($1, $2, $3, $4, 'running')
     ON CONFLICT (id) DO NOTHING`,
    [enrollment.id, enrollment.workflowId, enrollment.recordId, enrollment.eventId],
  );
  return rowCount === 1;
}

export async function enrollmentExists(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM enrollments WHERE id = $1', [id]);
  return rowCount === 1;
}

/** Another enrollment of the record in the workflow, if any; `active` when one is still running or waiting. */
export async function findEarlierEnrollment(
  db: Queryable,
  workflowId: string,
  recordId: string,
  enrollmentId: string,
): Promise<{ active: boolean } | undefined> {
  const { rows } = await db.query<{ active: boolean }>(
    `SELECT bool_or(status IN ('running', 'waiting')) AS active FROM enrollments
     WHERE workflow_id = $1 AND record_id = $2 AND id <> $3 HAVING count(*) > 0`,
    [workflowId, recordId, enrollmentId],
  );
  return rows[0];
}

/**
 * Running or waiting enrollments of a record in stage-triggered workflows that unenroll on stage exit and whose
 * trigger stage is not `stageId`: the ones a move to `stageId` ends.
 */
export async function listEnrollmentsLeftBehind(
  db: Queryable,
  recordId: string,
  stageId: string,
): Promise<{ id: string; stageId: string }[]> {
  const { rows } = await db.query<{ id: string; stage_id: string }>(
    `SELECT e.id, w.trigger->>'stageId' AS stage_id FROM enrollments e JOIN workflows w ON w.id = e.workflow_id
     WHERE e.record_id = $1 AND e.status IN ('running', 'waiting')
       AND w.trigger->>'type' = 'stage_entered' AND w.trigger->>'stageId' <> $2
       AND coalesce((w.settings->>'unenrollOnStageExit')::boolean, true)
     ORDER BY e.started_at`,
    [recordId, stageId],
  );
  return rows.map((row) => ({ id: row.id, stageId: row.stage_id }));
}

/** Ids of the running or waiting enrollments of a workflow. */
export async function listActiveEnrollmentIds(db: Queryable, workflowId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM enrollments WHERE workflow_id = $1 AND status IN ('running', 'waiting') ORDER BY started_at`,
    [workflowId],
  );
  return rows.map((row) => row.id);
}

export async function updateEnrollment(
  db: Queryable,
  id: string,
  change: { status: EnrollmentStatus; currentActionId?: string | null; wakeAt?: Date | null },
): Promise<void> {
  const ended = change.status === 'completed' || change.status === 'cancelled' || change.status === 'failed';
  await db.query(
    `UPDATE enrollments SET status = $2, current_action_id = $3, wake_at = $4,
       ended_at = CASE WHEN $5 THEN coalesce(ended_at, now()) END
     WHERE id = $1`,
    [id, change.status, change.currentActionId ?? null, change.wakeAt ?? null, ended],
  );
}

interface EnrollmentRow {
  id: string;
  record_id: string;
  status: EnrollmentStatus;
  current_action_id: string | null;
  wake_at: Date | null;
  started_at: Date;
  ended_at: Date | null;
}

export async function listEnrollments(
  db: Queryable,
  filter: { workflowId: string; recordId?: string; status?: string },
  page: PageRequest,
): Promise<Page<Enrollment>> {
  const { rows } = await db.query<EnrollmentRow & { seq: string }>(
    `SELECT * FROM enrollments WHERE workflow_id = $1 AND ($2::text IS NULL OR record_id = $2)
       AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR seq > $4) ORDER BY seq LIMIT $5`,
    [filter.workflowId, filter.recordId ?? null, filter.status ?? null, page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page, bySeq, (row) => ({
    id: row.id,
    recordId: row.record_id,
    status: row.status,
    ...(row.current_action_id && { currentActionId: row.current_action_id }),
    ...(row.wake_at && { wakeAt: row.wake_at.toISOString() }),
    startedAt: row.started_at.toISOString(),
    ...(row.ended_at && { endedAt: row.ended_at.toISOString() }),
  }));
}
