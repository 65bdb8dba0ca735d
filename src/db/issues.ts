import { ISSUE_SAMPLE_RECORDS, type IssueKind, type WorkflowIssue } from '../domain/issues';
import { inTransaction, type Pool, type Queryable } from './pool';

/** The most issue groups one answer lists, the most recent first. */
export const ISSUE_GROUPS_LIMIT = 100;

/** The first key of the advisory locks that let one reader at a time fold a workflow's pending lines. */
const FOLD_LOCK = 7_311_016;

interface IssueRow {
  action_id: string | null;
  kind: IssueKind;
  reason: string;
  count: string;
  first_at: Date;
  last_at: Date;
  sample_record_ids: string[];
}

/**
 * A workflow's failures, skips and refusals grouped by (action, kind, reason), the group with the latest line first,
 * at most `ISSUE_GROUPS_LIMIT` groups. Folds the lines written since the last read into the groups first (one
 * reader of a workflow at a time; writers never wait for it), in the same transaction as the read.
 */
export async function listWorkflowIssues(pool: Pool, workflowId: string): Promise<WorkflowIssue[]> {
  return inTransaction(pool, async (db) => {
    // An index scan (not a bitmap scan) marks the index entries of lines folded before as dead, so the next folds
    // skip them instead of visiting each until vacuum has removed them.
    await db.query(`SELECT set_config('enable_bitmapscan', 'off', true), pg_advisory_xact_lock($1, hashtext($2))`, [
      FOLD_LOCK,
      workflowId,
    ]);
    await foldPendingLines(db, workflowId);
    const { rows } = await db.query<IssueRow>(
      `SELECT action_id, kind, reason, count, first_at, last_at, sample_record_ids FROM workflow_issues
       WHERE workflow_id = $1 ORDER BY last_at DESC, kind, action_id, reason LIMIT $2`,
      [workflowId, ISSUE_GROUPS_LIMIT],
    );
    return rows.map((row) => ({
      ...(row.action_id !== null && { actionId: row.action_id }),
      kind: row.kind,
      reason: row.reason,
      count: Number(row.count),
      firstAt: row.first_at.toISOString(),
      lastAt: row.last_at.toISOString(),
      sampleRecordIds: row.sample_record_ids,
    }));
  });
}

/**
 * Moves the workflow's pending lines into its groups: deletes them and adds their counts, first and last times and
 * latest records to the groups (new groups are made). Pending lines of transactions not yet committed stay for the
 * next fold, so each line is counted exactly once.
 */
async function foldPendingLines(db: Queryable, workflowId: string): Promise<void> {
  await db.query(
    `WITH folded AS (
       DELETE FROM workflow_issue_lines WHERE workflow_id = $1 RETURNING action_id, kind, reason, record_id, at
     ), groups AS (
       SELECT action_id, kind, reason, count(*) AS count, min(at) AS first_at, max(at) AS last_at
       FROM folded GROUP BY action_id, kind, reason
     ), latest_per_record AS (
       SELECT action_id, kind, reason, record_id,
         row_number() OVER (PARTITION BY action_id, kind, reason ORDER BY max(at) DESC, record_id) AS rank
       FROM folded GROUP BY action_id, kind, reason, record_id
     ), samples AS (
       SELECT action_id, kind, reason, array_agg(record_id ORDER BY rank) AS record_ids
       FROM latest_per_record WHERE rank <= $2 GROUP BY action_id, kind, reason
     )
     INSERT INTO workflow_issues AS issue
       (workflow_id, action_id, kind, reason, count, first_at, last_at, sample_record_ids)
     SELECT $1, groups.action_id, groups.kind, groups.reason, groups.count, groups.first_at, groups.last_at,
       samples.record_ids
     FROM groups JOIN samples ON samples.action_id IS NOT DISTINCT FROM groups.action_id
       AND samples.kind = groups.kind AND samples.reason = groups.reason
     ON CONFLICT (workflow_id, coalesce(action_id, ''), kind, reason) DO UPDATE SET
       count = issue.count + excluded.count,
       first_at = least(issue.first_at, excluded.first_at),
       last_at = greatest(issue.last_at, excluded.last_at),
       sample_record_ids = ARRAY(
         SELECT id FROM unnest(excluded.sample_record_ids || issue.sample_record_ids) WITH ORDINALITY AS sample (id, n)
         GROUP BY id ORDER BY min(n) LIMIT $2
       )`,
    [workflowId, ISSUE_SAMPLE_RECORDS],
  );
}
