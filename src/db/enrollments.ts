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

/** True when the record has been enrolled in the workflow before by another event. */
export async function hasEarlierEnrollment(
  db: Queryable,
  workflowId: string,
  recordId: string,
  enrollmentId: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM enrollments WHERE workflow_id = $1 AND record_id = $2 AND id <> $3 LIMIT 1',
    [workflowId, recordId, enrollmentId],
  );
  return (rowCount ?? 0) > 0;
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
): Promise<Enrollment[]> {
  const { rows } = await db.query<EnrollmentRow>(
    `SELECT * FROM enrollments WHERE workflow_id = $1 AND ($2::text IS NULL OR record_id = $2)
       AND ($3::text IS NULL OR status = $3) ORDER BY started_at, id`,
    [filter.workflowId, filter.recordId ?? null, filter.status ?? null],
  );
  return rows.map((row) => ({
    id: row.id,
    recordId: row.record_id,
    status: row.status,
    ...(row.current_action_id && { currentActionId: row.current_action_id }),
    ...(row.wake_at && { wakeAt: row.wake_at.toISOString() }),
    startedAt: row.started_at.toISOString(),
    ...(row.ended_at && { endedAt: row.ended_at.toISOString() }),
  }));
}
