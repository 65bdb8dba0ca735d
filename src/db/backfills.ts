import { type BackfillProgress, BackfillStatuses } from '../domain/backfill';
import type { Queryable } from './pool';

/** One `enrollExisting` request: the records of `stageId` in `pipelineId`, split over `shards` by `shardOf`. */
export interface Backfill {
  id: string;
  workflowId: string;
  pipelineId: string;
  stageId: string;
  shards: number;
  /** Records that entered the stage or were enrolled from this moment on are left to their own entry's event. */
  askedAt: Date;
  stopped: boolean;
}

/** One shard's part of a backfill: its counts so far and the page it last counted (`pageFrom` exclusive). */
export interface BackfillShard {
  enrolled: number;
  skipped: number;
  pageFrom: string | null;
  pageTo: string | null;
  done: boolean;
}

/**
 * Records a backfill of the records in the workflow's trigger stage, with a part per shard, and counts them (one
 * index-only count, in the caller's transaction: the transaction that turns the workflow on).
 */
export async function insertBackfill(
  db: Queryable,
  backfill: Pick<Backfill, 'id' | 'workflowId' | 'pipelineId' | 'stageId' | 'shards'>,
): Promise<void> {
  await db.query(
    `INSERT INTO backfills (id, workflow_id, pipeline_id, stage_id, shards, total)
     SELECT $1, $2, $3, $4, $5, count(*) FROM records WHERE pipeline_id = $3 AND stage_id = $4`,
    [backfill.id, backfill.workflowId, backfill.pipelineId, backfill.stageId, backfill.shards],
  );
  await db.query('INSERT INTO backfill_shards (backfill_id, shard) SELECT $1, generate_series(0, $2::int - 1)', [
    backfill.id,
    backfill.shards,
  ]);
}

/** The workflow's backfill that is neither done nor stopped, if any. */
export async function runningBackfillId(db: Queryable, workflowId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM backfills b WHERE workflow_id = $1 AND stopped_at IS NULL
       AND EXISTS (SELECT 1 FROM backfill_shards s WHERE s.backfill_id = b.id AND NOT s.done)
     ORDER BY asked_at DESC LIMIT 1`,
    [workflowId],
  );
  return rows[0]?.id;
}

/** Stops the workflow's unfinished backfills (it was turned off): their shards stop at their next page. */
export async function stopBackfills(db: Queryable, workflowId: string): Promise<void> {
  await db.query('UPDATE backfills SET stopped_at = clock_timestamp() WHERE workflow_id = $1 AND stopped_at IS NULL', [
    workflowId,
  ]);
}

/**
 * The progress of the workflow's latest backfill; undefined when none was asked for. While it runs, `total` is the
 * number of records in the stage when it was asked for; once done, the number it went through (`enrolled + skipped`).
 */
export async function getBackfillProgress(db: Queryable, workflowId: string): Promise<BackfillProgress | undefined> {
  const { rows } = await db.query<{ total: number; enrolled: number; skipped: number; finished: boolean }>(
    `SELECT b.total, sum(s.enrolled)::int AS enrolled, sum(s.skipped)::int AS skipped,
            (b.stopped_at IS NOT NULL OR bool_and(s.done)) AS finished
     FROM backfills b JOIN backfill_shards s ON s.backfill_id = b.id
     WHERE b.id = (SELECT id FROM backfills WHERE workflow_id = $1 ORDER BY asked_at DESC LIMIT 1)
     GROUP BY b.id`,
    [workflowId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { enrolled, skipped } = row;
  return row.finished
    ? { status: BackfillStatuses.done, enrolled, skipped, total: enrolled + skipped }
    : { status: BackfillStatuses.running, enrolled, skipped, total: row.total };
}

/** A backfill with one shard's part, that part's row locked for the rest of the transaction. */
export async function lockBackfillShard(
  db: Queryable,
  backfillId: string,
  shard: number,
): Promise<{ backfill: Backfill; part: BackfillShard } | undefined> {
  const { rows } = await db.query<{
    workflow_id: string;
    pipeline_id: string;
    stage_id: string;
    shards: number;
    asked_at: Date;
    stopped: boolean;
    enrolled: number;
    skipped: number;
    page_from: string | null;
    page_to: string | null;
    done: boolean;
  }>(
    `SELECT b.workflow_id, b.pipeline_id, b.stage_id, b.shards, b.asked_at, b.stopped_at IS NOT NULL AS stopped,
            s.enrolled, s.skipped, s.page_from, s.page_to, s.done
     FROM backfill_shards s JOIN backfills b ON b.id = s.backfill_id
     WHERE s.backfill_id = $1 AND s.shard = $2 FOR UPDATE OF s`,
    [backfillId, shard],
  );
  const row = rows[0];
  return (
    row && {
      backfill: {
        id: backfillId,
        workflowId: row.workflow_id,
        pipelineId: row.pipeline_id,
        stageId: row.stage_id,
        shards: row.shards,
        askedAt: row.asked_at,
        stopped: row.stopped,
      },
      part: {
        enrolled: row.enrolled,
        skipped: row.skipped,
        pageFrom: row.page_from,
        pageTo: row.page_to,
        done: row.done,
      },
    }
  );
}

/**
 * Ids of the records in the backfill's stage after `after` (all of them from the first when null), in id order, at
 * most `limit`: every shard's, read from the stage index without touching the rows.
 */
export async function listStageRecordIds(
  db: Queryable,
  backfill: Pick<Backfill, 'pipelineId' | 'stageId'>,
  after: string | null,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM records WHERE pipeline_id = $1 AND stage_id = $2 AND ($3::text IS NULL OR id > $3)
     ORDER BY id LIMIT $4`,
    [backfill.pipelineId, backfill.stageId, after, limit],
  );
  return rows.map((row) => row.id);
}

/**
 * Of `recordIds`, those a backfill leaves to their own entry's event: records that entered a stage, or were enrolled
 * in the workflow other than by a backfill, at or after the backfill was asked for; and records whose entry into the
 * stage the workflow's own event handles although it happened before, because the relay delivered it to the workflow
 * on: still in the outbox, or delivered at or after the backfill was asked for without the relay finding the workflow
 * off (its "the workflow is off" line). The relay's rows in flight are waited for (their lock), so that a delivery
 * that found the workflow off and has not yet committed is not taken for one to come.
 */
export async function listEnteredSince(
  db: Queryable,
  backfill: Pick<Backfill, 'workflowId' | 'pipelineId' | 'stageId' | 'askedAt'>,
  recordIds: readonly string[],
): Promise<Set<string>> {
  const entries = `FROM outbox o WHERE o.record_id = ANY($1::text[]) AND o.type = 'stage_entered'
       AND o.payload->>'pipelineId' = $2 AND o.payload->>'stageId' = $3`;
  // In id order, as the relay locks them, so that the two never wait on each other.
  await db.query(`SELECT o.id ${entries} AND o.delivered_at IS NULL ORDER BY o.id FOR SHARE`, [
    [...recordIds],
    backfill.pipelineId,
    backfill.stageId,
  ]);
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM unnest($1::text[]) AS r (id)
     WHERE EXISTS (SELECT 1 FROM timeline t WHERE t.record_id = r.id AND t.kind = 'stage_entered' AND t.at >= $5)
        OR EXISTS (SELECT 1 FROM enrollments e WHERE e.workflow_id = $4 AND e.record_id = r.id
                     AND e.started_at >= $5 AND e.event_id NOT LIKE 'backfill/%')
        OR EXISTS (SELECT 1 ${entries.replace('ANY($1::text[])', 'r.id')}
                     AND (o.delivered_at IS NULL OR (o.delivered_at >= $5 AND NOT EXISTS
                       (SELECT 1 FROM timeline t WHERE t.dedupe_key = o.event_id || ':' || $4 || ':off'))))`,
    [[...recordIds], backfill.pipelineId, backfill.stageId, backfill.workflowId, backfill.askedAt],
  );
  return new Set(rows.map((row) => row.id));
}

/** The parts (shards of the backfill) not done yet, in order; none once it is stopped. */
export async function listUnfinishedParts(db: Queryable, backfillId: string): Promise<number[]> {
  const { rows } = await db.query<{ shard: number }>(
    `SELECT s.shard FROM backfill_shards s JOIN backfills b ON b.id = s.backfill_id
     WHERE s.backfill_id = $1 AND NOT s.done AND b.stopped_at IS NULL ORDER BY s.shard`,
    [backfillId],
  );
  return rows.map((row) => row.shard);
}

/** Counts one new page of a shard's part and moves its place past it. */
export async function countBackfillPage(
  db: Queryable,
  backfillId: string,
  shard: number,
  page: { from: string | null; to: string | null; enrolled: number; skipped: number; done: boolean },
): Promise<void> {
  await db.query(
    `UPDATE backfill_shards SET enrolled = enrolled + $3, skipped = skipped + $4, page_from = $5, page_to = $6,
       done = $7
     WHERE backfill_id = $1 AND shard = $2`,
    [backfillId, shard, page.enrolled, page.skipped, page.from, page.to, page.done],
  );
}

/**
 * How many of the backfill's enrollments started in the last `withinSeconds` and are still running: work it has put
 * in front of the workers that they have not done yet. One stuck longer (a webhook retried for hours) stops counting.
 */
export async function countRecentRunningEnrollments(
  db: Queryable,
  workflowId: string,
  backfillId: string,
  withinSeconds: number,
): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM enrollments
     WHERE workflow_id = $1 AND event_id LIKE $2 AND status = 'running'
       AND started_at > clock_timestamp() - make_interval(secs => $3)`,
    [workflowId, `${backfillEventId(backfillId, '')}%`, withinSeconds],
  );
  return rows[0]?.n ?? 0;
}

/** The event id of a backfill's enrollment of one record: the same on every retry, so it enrolls once. */
export function backfillEventId(backfillId: string, recordId: string): string {
  return `backfill/${backfillId}/${recordId}`;
}

/**
 * The automation workflow shards that have backfill work now: for each enabled workflow's running backfill, the shard
 * (`part mod settings.shards`, as `partsOf` splits it) of each unfinished part.
 */
export async function listBackfillShards(db: Queryable): Promise<{ workflowId: string; shards: number[] }[]> {
  const { rows } = await db.query<{ workflow_id: string; shards: number[] }>(
    `SELECT workflow_id, array_agg(DISTINCT shard) AS shards FROM
       (SELECT w.id AS workflow_id, s.shard % (w.settings->>'shards')::int AS shard
        FROM backfills b JOIN workflows w ON w.id = b.workflow_id AND w.enabled
          JOIN backfill_shards s ON s.backfill_id = b.id AND NOT s.done
        WHERE b.stopped_at IS NULL) AS parts
     GROUP BY workflow_id`,
  );
  return rows.map((row) => ({ workflowId: row.workflow_id, shards: row.shards }));
}
