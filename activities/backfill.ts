import {
  backfillEventId,
  countBackfillPage,
  countRecentRunningEnrollments,
  listEnteredSince,
  listStageRecordIds,
  listUnfinishedParts,
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
 * workflow was just switched on). No `part`: the first unfinished part of the backfill that is this shard's now. No
 * `after`: from the place that part last counted, one page back, so that a page whose enrollments were decided but
 * perhaps not started (a run that ended in the middle) is done again.
 */
export interface BackfillCursor {
  backfillId?: string;
  /** The part (a shard of the backfill, `backfill_shards.shard`) being worked. */
  part?: number;
  /** The last record id the previous page went through; null: from the first record. */
  after?: string | null;
}

/**
 * The parts of a backfill that the automation workflow shard `shard` works while the workflow has `shards` shards:
 * a backfill keeps the split it was asked with, and each of its parts goes to shard `part mod shards`, so that a
 * shard count changed meanwhile leaves no part without a shard (fewer shards) and no shard with a part twice (more).
 */
export function partsOf(parts: readonly number[], shard: number, shards: number): number[] {
  return parts.filter((part) => part % shards === shard);
}

export function createBackfillActivities({ pool, log, temporal, taskQueue }: ActivityDeps & EnrollmentStarterDeps) {
  return {
    /**
     * One page of a shard's share of a backfill: picks the part to work (the cursor's, while it is still this
     * shard's and unfinished; else the first that is), reads its next record ids in the stage (every part's, from the
     * stage index), keeps those of the part that neither entered the stage nor were enrolled since the backfill was
     * asked for, nor have a stage entry the workflow's own event handles (`listEnteredSince`), decides them like any
     * enrollment, under a synthetic event `backfill/<backfillId>/<recordId>` (so a retry enrolls nobody twice) and
     * counts the page on the part's row, all in one transaction; then starts the enrolled ones. A page done again (a
     * retry, a run resumed from the database, two shards on one part while a shard-count change reaches them) decides
     * and starts again but counts nothing. Answers where the next page starts; nothing once the shard's parts are
     * done, stopped or there is no backfill; `workflowOn: false` when the workflow is off; `busy`, deciding nothing,
     * while the workers have not yet got through the enrollments of the pages before (`BACKFILL_BUSY_ENROLLMENTS`).
     */
    async enrollExistingPage({
      workflowId,
      shard,
      cursor,
    }: {
      workflowId: string;
      shard: number;
      cursor: BackfillCursor;
    }): Promise<{ next?: BackfillCursor & { backfillId: string }; busy?: true; workflowOn?: false }> {
      const backfillId = cursor.backfillId ?? (await runningBackfillId(pool, workflowId));
      if (backfillId === undefined) return {};
      const running = await countRecentRunningEnrollments(pool, workflowId, backfillId, BACKFILL_BUSY_SECONDS);
      if (running >= BACKFILL_BUSY_ENROLLMENTS) return { next: { ...cursor, backfillId }, busy: true };
      const page = await inTransaction(pool, async (db) => {
        const workflow = await getWorkflow(db, workflowId);
        if (!workflow?.enabled) return { off: true as const };
        const mine = partsOf(await listUnfinishedParts(db, backfillId), shard, workflow.settings.shards);
        const partNo = cursor.part !== undefined && mine.includes(cursor.part) ? cursor.part : mine[0];
        if (partNo === undefined) return undefined;
        const others = mine.some((other) => other !== partNo);
        const locked = await lockBackfillShard(db, backfillId, partNo);
        if (!locked || locked.backfill.stopped) return undefined;
        const { backfill, part } = locked;
        const from = partNo === cursor.part && cursor.after !== undefined ? cursor.after : part.pageFrom;
        const redo = from !== part.pageTo;
        // Finished meanwhile by another shard (one that had not yet heard of a shard-count change): pick again.
        if (!redo && part.done) {
          return {
            pipelineId: workflow.pipelineId,
            part: partNo,
            enrolled: [],
            next: { after: from, done: true },
            others,
          };
        }
        const scan = BACKFILL_PAGE * backfill.shards;
        const scanned = await listStageRecordIds(db, backfill, from, scan);
        const own = scanned.filter((recordId) => shardOf(recordId, backfill.shards) === partNo);
        const enteredSince = await listEnteredSince(db, backfill, own);
        const inputs = own
          .filter((recordId) => !enteredSince.has(recordId))
          .map((recordId) =>
            enrollmentInput(workflowId, { eventId: backfillEventId(backfillId, recordId), recordId, depth: 0 }),
          );
        const { decisions } = await decideEnrollments(db, workflowId, inputs, { cause: BACKFILL_CAUSE });
        const to = scanned.at(-1) ?? from;
        const done = scanned.length < scan;
        const enrolled = decisions.filter((decision) => decision.enrolled);
        if (!redo) {
          const skipped = decisions.length - enrolled.length;
          await countBackfillPage(db, backfillId, partNo, { from, to, enrolled: enrolled.length, skipped, done });
        }
        log.info(
          { workflowId, backfillId, shard, part: partNo, decided: decisions.length, enrolled: enrolled.length, redo },
          'backfill page decided',
        );
        // A page done again goes on from where its part counted up to.
        const next = redo ? { after: part.pageTo, done: part.done } : { after: to, done };
        return { pipelineId: workflow.pipelineId, part: partNo, enrolled, next, others };
      });
      if (page && 'off' in page) return { workflowOn: false };
      if (!page) return {};
      await Promise.all(
        page.enrolled.map(({ input }) =>
          startEnrollmentWorkflow(temporal, { input, pipelineId: page.pipelineId, taskQueue, eager: true }),
        ),
      );
      // A part done: the shard's next part, if it has another.
      if (page.next.done) return page.others ? { next: { backfillId } } : {};
      return { next: { backfillId, part: page.part, after: page.next.after } };
    },
  };
}
