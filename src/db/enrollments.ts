import type { ConditionGroup } from '../domain/conditions';
import type { Enrollment, EnrollmentStatus } from '../domain/enrollments';
import { TimelineKinds } from '../domain/events';
import { bySeq, type Page, type PageRequest, toPage } from './page';
import { inTransaction, type Pool, type Queryable } from './pool';
import { appendTimeline } from './timeline';

/** Inserts running enrollments in one statement; one that exists already (a retried decision) is left as it is. */
export async function insertEnrollments(
  db: Queryable,
  enrollments: { id: string; workflowId: string; recordId: string; eventId: string }[],
): Promise<void> {
  if (enrollments.length === 0) return;
  await db.query(
    `INSERT INTO enrollments (id, workflow_id, record_id, event_id, status, started_at)
     SELECT id, workflow_id, record_id, event_id, 'running', clock_timestamp()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       AS e (id, workflow_id, record_id, event_id)
     ON CONFLICT (id) DO NOTHING`,
    [
      enrollments.map((enrollment) => enrollment.id),
      enrollments.map((enrollment) => enrollment.workflowId),
      enrollments.map((enrollment) => enrollment.recordId),
      enrollments.map((enrollment) => enrollment.eventId),
    ],
  );
}

/** An enrollment's status; undefined when none was recorded. */
export async function enrollmentStatus(db: Queryable, id: string): Promise<EnrollmentStatus | undefined> {
  const { rows } = await db.query<{ status: EnrollmentStatus }>('SELECT status FROM enrollments WHERE id = $1', [id]);
  return rows[0]?.status;
}

/**
 * Ends an enrollment that was recorded but whose workflow has not started yet (its start is still on its way), with
 * the `unenrolled` line its workflow would have written: when that workflow starts, it finds itself cancelled and
 * does nothing. No-op for an enrollment that has ended.
 */
export async function cancelUnstartedEnrollment(pool: Pool, id: string, reason: string): Promise<void> {
  await inTransaction(pool, async (db) => {
    const { rows } = await db.query<{ record_id: string; workflow_id: string }>(
      `UPDATE enrollments SET status = 'cancelled', current_action_id = NULL, wake_at = NULL, ended_at = now()
       WHERE id = $1 AND status IN ('running', 'waiting') RETURNING record_id, workflow_id`,
      [id],
    );
    const row = rows[0];
    if (!row) return;
    await appendTimeline(db, {
      recordId: row.record_id,
      kind: TimelineKinds.unenrolled,
      workflowId: row.workflow_id,
      enrollmentId: id,
      detail: `unenrolled: ${reason}`,
      dedupeKey: `${id}:unenrolled`,
    });
  });
}

/** Every enrollment of these records in the workflow, oldest first; `active` while it runs or waits. */
export async function listRecordEnrollments(
  db: Queryable,
  workflowId: string,
  recordIds: string[],
): Promise<{ id: string; recordId: string; active: boolean }[]> {
  const { rows } = await db.query<{ id: string; record_id: string; active: boolean }>(
    `SELECT id, record_id, status IN ('running', 'waiting') AS active FROM enrollments
     WHERE workflow_id = $1 AND record_id = ANY($2::text[]) ORDER BY started_at`,
    [workflowId, recordIds],
  );
  return rows.map((row) => ({ id: row.id, recordId: row.record_id, active: row.active }));
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

/** Running or waiting enrollments of a record in workflows that have a goal, with the goal (`settings.goal`). */
export async function listEnrollmentsWithGoal(
  db: Queryable,
  recordId: string,
): Promise<{ id: string; goal: ConditionGroup }[]> {
  const { rows } = await db.query<{ id: string; goal: ConditionGroup }>(
    `SELECT e.id, w.settings->'goal' AS goal FROM enrollments e JOIN workflows w ON w.id = e.workflow_id
     WHERE e.record_id = $1 AND e.status IN ('running', 'waiting') AND w.settings ? 'goal'
     ORDER BY e.started_at`,
    [recordId],
  );
  return rows;
}

/** Records that an enrollment runs one of its actions now (for `GET …/enrollments`), unless it has ended. */
export async function markRunningAction(db: Queryable, enrollmentId: string, actionId: string): Promise<void> {
  await db.query(
    `UPDATE enrollments SET status = 'running', current_action_id = $2, wake_at = NULL
     WHERE id = $1 AND status IN ('running', 'waiting')`,
    [enrollmentId, actionId],
  );
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
  workflow_id: string;
  record_id: string;
  status: EnrollmentStatus;
  current_action_id: string | null;
  wake_at: Date | null;
  started_at: Date;
  ended_at: Date | null;
}

/** Enrollments of a workflow, of a record, or of a record in a workflow, in the order they were made. */
export async function listEnrollments(
  db: Queryable,
  filter: ({ workflowId: string; recordId?: string } | { workflowId?: string; recordId: string }) & { status?: string },
  page: PageRequest,
): Promise<Page<Enrollment>> {
  const { rows } = await db.query<EnrollmentRow & { seq: string }>(
    `SELECT * FROM enrollments WHERE ($1::text IS NULL OR workflow_id = $1) AND ($2::text IS NULL OR record_id = $2)
       AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR seq > $4) ORDER BY seq LIMIT $5`,
    [filter.workflowId ?? null, filter.recordId ?? null, filter.status ?? null, page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page, bySeq, (row) => ({
    id: row.id,
    workflowId: row.workflow_id,
    recordId: row.record_id,
    status: row.status,
    ...(row.current_action_id && { currentActionId: row.current_action_id }),
    ...(row.wake_at && { wakeAt: row.wake_at.toISOString() }),
    startedAt: row.started_at.toISOString(),
    ...(row.ended_at && { endedAt: row.ended_at.toISOString() }),
  }));
}
