import { OUTBOX_CHANNEL } from './outbox';
import type { Queryable } from './pool';

export interface UnenrollJob {
  id: string;
  workflowId: string;
  /** Only this record's enrollments (unenrolled by hand); every record's when absent. */
  recordId?: string;
  reason: string;
  startedBefore: string;
  /** The last enrollment id signalled: the next page starts after it. */
  afterId: string | null;
}

/**
 * Asks the relay to end every running or waiting enrollment of a workflow (or, with `recordId`, of one record in it)
 * that started before now. Stored in the transaction that turns the workflow off or unenrolls the record, so the
 * request survives an unreachable Temporal. `clock_timestamp()`, not the transaction's start: an enrollment decided
 * while this transaction waited for the workflow's row is included.
 */
export async function queueUnenrollJob(
  db: Queryable,
  job: { id: string; workflowId: string; recordId?: string; reason: string },
): Promise<void> {
  await db.query(
    `INSERT INTO unenroll_jobs (id, workflow_id, record_id, reason, started_before)
     VALUES ($1, $2, $3, $4, clock_timestamp())`,
    [job.id, job.workflowId, job.recordId ?? null, job.reason],
  );
  await db.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, job.id]);
}

/** Jobs not finished yet, oldest first. */
export async function listPendingUnenrollJobs(db: Queryable, limit: number): Promise<UnenrollJob[]> {
  const { rows } = await db.query<{
    id: string;
    workflow_id: string;
    record_id: string | null;
    reason: string;
    started_before: Date;
    after_id: string | null;
  }>(
    `SELECT id, workflow_id, record_id, reason, started_before, after_id FROM unenroll_jobs
     WHERE done_at IS NULL ORDER BY created_at LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({
    id: row.id,
    workflowId: row.workflow_id,
    ...(row.record_id !== null && { recordId: row.record_id }),
    reason: row.reason,
    startedBefore: row.started_before.toISOString(),
    afterId: row.after_id,
  }));
}

/**
 * The job's next page: ids of its workflow's (or its record's) running or waiting enrollments after its place, in
 * id order.
 */
export async function listUnenrollPage(db: Queryable, job: UnenrollJob, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM enrollments
     WHERE workflow_id = $1 AND status IN ('running', 'waiting') AND started_at <= $2
       AND ($3::text IS NULL OR id > $3) AND ($5::text IS NULL OR record_id = $5)
     ORDER BY id LIMIT $4`,
    [job.workflowId, job.startedBefore, job.afterId, limit, job.recordId ?? null],
  );
  return rows.map((row) => row.id);
}

/**
 * Moves the job's place to `afterId` (never back: two relays may work the same job) and ends it when `done`. A
 * place of null with `done` ends a job that found nothing.
 */
export async function advanceUnenrollJob(
  db: Queryable,
  id: string,
  progress: { afterId: string | undefined; done: boolean },
): Promise<void> {
  await db.query(
    `UPDATE unenroll_jobs SET
       after_id = CASE WHEN $2::text IS NOT NULL AND (after_id IS NULL OR after_id < $2) THEN $2 ELSE after_id END,
       done_at = CASE WHEN $3 THEN now() ELSE done_at END,
       last_error = NULL
     WHERE id = $1`,
    [id, progress.afterId ?? null, progress.done],
  );
}

export async function recordUnenrollJobFailure(db: Queryable, id: string, error: string): Promise<void> {
  await db.query('UPDATE unenroll_jobs SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [id, error]);
}
