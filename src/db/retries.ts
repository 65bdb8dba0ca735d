import { TimelineKinds } from '../domain';
import type { Queryable } from './pool';

/** An enrollment whose last word on an action is that it failed, and how often it was retried before. */
export interface FailedAction {
  enrollmentId: string;
  recordId: string;
  retries: number;
}

/**
 * Enrollments of a workflow where `actionId` failed and nothing came after: no completion, no skip, no retry under
 * way (its `action_retried` line is the last word until the retry's outcome is written). Oldest enrollments
 * first, at most `limit`; only `recordIds`' when given.
 */
export async function listFailedActions(
  db: Queryable,
  filter: { workflowId: string; actionId: string; recordIds?: string[] },
  limit: number,
): Promise<FailedAction[]> {
  const { rows } = await db.query<{ enrollment_id: string; record_id: string; retries: string }>(
    `SELECT last.enrollment_id, last.record_id,
       (SELECT count(*) FROM timeline retried
        WHERE retried.kind = $4 AND retried.workflow_id = $1 AND retried.action_id = $2
          AND retried.enrollment_id = last.enrollment_id) AS retries
     FROM (
       SELECT DISTINCT ON (enrollment_id) enrollment_id, record_id, kind, id FROM timeline
       WHERE kind = ANY($5::text[]) AND workflow_id = $1 AND action_id = $2
         AND ($3::text[] IS NULL OR record_id = ANY($3::text[]))
       ORDER BY enrollment_id, id DESC
     ) AS last
     WHERE last.kind = $6
     ORDER BY last.id
     LIMIT $7`,
    [
      filter.workflowId,
      filter.actionId,
      filter.recordIds ?? null,
      TimelineKinds.actionRetried,
      [
        TimelineKinds.actionFailed,
        TimelineKinds.actionCompleted,
        TimelineKinds.actionSkipped,
        TimelineKinds.actionRetried,
      ],
      TimelineKinds.actionFailed,
      limit,
    ],
  );
  return rows.map((row) => ({
    enrollmentId: row.enrollment_id,
    recordId: row.record_id,
    retries: Number(row.retries),
  }));
}
