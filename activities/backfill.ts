import {
  backfillEventId,
  countBackfillPage,
  countRecentRunningEnrollments,
  listEnteredSince,
  listStageRecordIds,
  lockBackfillShard,
  runningBackfillId,
} from '../src/db/backfills';
import { decideEnrollments } from '../src/db/enrollment-decisions';
import { inTransaction } from '../src/db/pool';
import { getWorkflow } from '../src/db/workflows';
import { enrollmentInput, shardOf } from '../src/domain';
import { BACKFILL_CAUSE } from '../src/domain/backfill';
import { startEnrollmentWorkflow } from '../src/temporal/enrollments';
import type { ActivityDeps, EnrollmentStarterDeps } from './deps';

/** Records of its own shard one page decides at most: one transaction, as large as a batch of live events. */
export const BACKFILL_PAGE = 200;

/**
 * A page waits while this many of the backfill's enrollments, started in the last `BACKFILL_BUSY_SECONDS`, still run:
 * the workers' queue then holds about a page of its work, so a live event's turn comes after a page, not after
 * thousands of enrollments. An enrollment running longer (an action retried for hours) stops holding it up.
 */
const BACKFILL_BUSY_ENROLLMENTS = BACKFILL_PAGE;
const BACKFILL_BUSY_SECONDS = 60;

/**
 * Where an automation workflow shard is in a backfill. No `backfillId`: the workflow's running backfill, if any (the
 * workflow was just switched on). No `after`: from the place its part last counted, one page back, so that a page
 * whose enrollments were decided but perhaps not started (a run that ended in the middle) is done again.
 */
export interface BackfillCursor {
  backfillId?: string;
  /** The last record id the previous page went through; null: from the first record. */
  after?: string | null;
}

export function createBackfillActivities({ pool, log, temporal, taskQueue }: ActivityDeps & EnrollmentStarterDeps) {
  return {
    /**
     * One page of a shard's part of a backfill: reads the next record ids in the stage (every shard's, from the
     * stage index), keeps those of this shard that neither entered the stage nor were enrolled since the backfill was
     * asked for (their own entry's event enrolls them), decides them like any enrollment, under a synthetic event
     * `backfill/<backfillId>/<recordId>` (so a retry enrolls nobody twice) and counts the page on the shard's row,
     * all in one transaction; then starts the enrolled ones. A page done again (a retry, a run resumed from the
     * database) decides and starts again but counts nothing. Answers where the next page starts; nothing once the
     * part is done, stopped (the workflow turned off) or there is no backfill; `busy`, deciding nothing, while the
     * workers have not yet got through the enrollments of the pages before (`BACKFILL_BUSY_ENROLLMENTS`).
     */
    async enrollExistingPage({
      workflowId,
      shard,
      cursor,
    }: {
      workflowId: string;
      shard: number;
      cursor: BackfillCursor;
    }): Promise<{ next?: BackfillCursor & { backfillId: string }; busy?: true }> {
      const backfillId = cursor.backfillId ?? (await runningBackfillId(pool, workflowId));
      if (backfillId === undefined) return {};
      const running = await countRecentRunningEnrollments(pool, workflowId, backfillId, BACKFILL_BUSY_SECONDS);
      if (running >= BACKFILL_BUSY_ENROLLMENTS) return { next: { ...cursor, backfillId }, busy: true };
      const page = await inTransaction(pool, async (db) => {
        const locked = await lockBackfillShard(db, backfillId, shard);
        if (!locked || locked.backfill.stopped) return undefined;
        const { backfill, part } = locked;
        const from = cursor.after === undefined ? part.pageFrom : cursor.after;
        const redo = from !== part.pageTo;
        if (!redo && part.done) return undefined;
        if (!(await getWorkflow(db, workflowId))?.enabled) return undefined;
        const scan = BACKFILL_PAGE * backfill.shards;
        const scanned = await listStageRecordIds(db, backfill, from, scan);
        const own = scanned.filter((recordId) => shardOf(recordId, backfill.shards) === shard);
        const enteredSince = await listEnteredSince(db, backfill, own);
        const inputs = own
          .filter((recordId) => !enteredSince.has(recordId))
          .map((recordId) =>
            enrollmentInput(workflowId, { eventId: backfillEventId(backfillId, recordId), recordId, depth: 0 }),
          );
        const { workflow, decisions } = await decideEnrollments(db, workflowId, inputs, { cause: BACKFILL_CAUSE });
        const to = scanned.at(-1) ?? from;
        const done = scanned.length < scan;
        const enrolled = decisions.filter((decision) => decision.enrolled);
        if (!redo) {
          const skipped = decisions.length - enrolled.length;
          await countBackfillPage(db, backfillId, shard, { from, to, enrolled: enrolled.length, skipped, done });
        }
        log.info(
          { workflowId, backfillId, shard, decided: decisions.length, enrolled: enrolled.length, redo },
          'backfill page decided',
        );
        // A page done again goes on from where its part counted up to.
        const next = redo ? { after: part.pageTo, done: part.done } : { after: to, done };
        return { pipelineId: workflow!.pipelineId, enrolled, next };
      });
      if (!page) return {};
      await Promise.all(
        page.enrolled.map(({ input }) =>
          startEnrollmentWorkflow(temporal, { input, pipelineId: page.pipelineId, taskQueue, eager: true }),
        ),
      );
      return page.next.done ? {} : { next: { backfillId, after: page.next.after } };
    },
  };
}
