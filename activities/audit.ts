import { markRunningAction, updateEnrollment } from '../src/db/enrollments';
import type { EnrollmentStatus } from '../src/domain/enrollments';
import { inTransaction, type Queryable } from '../src/db/pool';
import { appendTimeline, type TimelineEntry } from '../src/db/timeline';
import { type ActionRunInput, type TimelineKind, TimelineKinds } from '../src/domain';
import type { ActivityDeps } from './deps';

/** A timeline line of an action, written in the same transaction as its effect; `suffix` keeps it single. */
export function actionLine(input: ActionRunInput, kind: TimelineKind, detail: string, suffix: string): TimelineEntry {
  return {
    recordId: input.recordId,
    kind,
    workflowId: input.workflowId,
    enrollmentId: input.enrollmentId,
    actionId: input.actionId,
    detail,
    dedupeKey: `${input.key}:${suffix}`,
  };
}

/** The line an action writes when it is done. */
export function actionCompletedLine(input: ActionRunInput, detail: string): TimelineEntry {
  return actionLine(input, TimelineKinds.actionCompleted, detail, 'completed');
}

/**
 * Every action activity calls this first, in its first transaction: its enrollment now runs this action. (The
 * workflow leaves it to the action, which saves a local activity per action.) A retry runs beside its enrollment,
 * which may be waiting further on, so it leaves the enrollment as it is.
 */
export async function markActionStarted(db: Queryable, input: ActionRunInput): Promise<void> {
  if (input.attempt === undefined) await markRunningAction(db, input.enrollmentId, input.actionId);
}

export interface ProgressInput {
  enrollmentId: string;
  workflowId: string;
  recordId: string;
  status: EnrollmentStatus;
  currentActionId?: string;
  /** ISO instant the enrollment sleeps until, while `status` is `waiting`. */
  wakeAt?: string;
  /** A timeline line to write with the status; `dedupeKey` keeps a retried write single. */
  line?: { kind: TimelineKind; detail: string; dedupeKey: string };
}

export function createAuditActivities({ pool }: ActivityDeps) {
  return {
    /** Writes one timeline line of an enrollment's action without changing the enrollment (a retry's lines). */
    async appendActionLine(line: TimelineEntry): Promise<void> {
      await appendTimeline(pool, line);
    },

    /** Records where an enrollment stands (for `GET …/enrollments`) and, optionally, a timeline line. */
    async recordProgress(input: ProgressInput): Promise<void> {
      await inTransaction(pool, async (db) => {
        await updateEnrollment(db, input.enrollmentId, {
          status: input.status,
          currentActionId: input.currentActionId ?? null,
          wakeAt: input.wakeAt ? new Date(input.wakeAt) : null,
        });
        if (input.line) {
          await appendTimeline(db, {
            recordId: input.recordId,
            kind: input.line.kind,
            workflowId: input.workflowId,
            enrollmentId: input.enrollmentId,
            actionId: input.currentActionId,
            detail: input.line.detail,
            dedupeKey: input.line.dedupeKey,
          });
        }
      });
    },
  };
}
