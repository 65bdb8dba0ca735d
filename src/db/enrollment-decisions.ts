import {
  type EnrollmentInput,
  notEnrolledDetail,
  type Refusal,
  refusal,
  TimelineKinds,
  type Workflow,
} from '../domain';
import { insertEnrollments, listRecordEnrollments } from './enrollments';
import type { Queryable } from './pool';
import { listRecordsById } from './records';
import { appendTimelineLines, type TimelineEntry } from './timeline';
import { getWorkflow } from './workflows';

/** The once-only decision on one enrollment: enrolled, or refused with the rule and the reason. */
export type EnrollmentDecision =
  { input: EnrollmentInput; enrolled: true } | { input: EnrollmentInput; enrolled: false; refusal: Refusal };

/**
 * Takes the locks an enrollment decision is made under, for the rest of the transaction: an advisory lock per
 * (workflow, record), taken in one order, so that two decisions on a record never run at once, and the workflow row
 * FOR SHARE, so that a concurrent `disable` either lands first or waits for the decision: no enrollment is decided
 * after `disable` returns. Answers the workflow as it is now (undefined when it was deleted).
 */
export async function lockEnrollmentDecisions(
  db: Queryable,
  workflowId: string,
  recordIds: readonly string[],
): Promise<Workflow | undefined> {
  await db.query(
    `SELECT pg_advisory_xact_lock(key) FROM
       (SELECT hashtext($1 || '/' || record_id) AS key FROM unnest($2::text[]) AS record_id ORDER BY 1) AS locks`,
    [workflowId, [...new Set(recordIds)]],
  );
  return getWorkflow(db, workflowId, 'FOR SHARE');
}

/**
 * Decides whether each enrollment's record enrolls, in order, and records the answers in the caller's transaction:
 * the enrollment rows and their `enrolled` lines, and for an automatic decision the `not_enrolled` line of each
 * refusal. A decision recorded before (a retry after a crash) stands. Made under `lockEnrollmentDecisions`.
 *
 * `byHand` (the caller's name) decides an enrollment asked for over the API: the trigger is not needed, the line says
 * who asked, and a refusal writes nothing (the request is refused instead). `cause` says in both lines why the record
 * was considered when no event of its own says it (a backfill: the record was in the stage already).
 */
export async function decideEnrollments(
  db: Queryable,
  workflowId: string,
  inputs: readonly EnrollmentInput[],
  { byHand, cause }: { byHand?: string; cause?: string } = {},
): Promise<{ workflow?: Workflow; decisions: EnrollmentDecision[] }> {
  const because = cause === undefined ? '' : ` (${cause})`;
  const recordIds = [...new Set(inputs.map((input) => input.recordId))];
  const workflow = await lockEnrollmentDecisions(db, workflowId, recordIds);
  const records = await listRecordsById(db, recordIds);
  const enrollments = await listRecordEnrollments(db, workflowId, recordIds);
  const decisions: EnrollmentDecision[] = [];
  const lines: TimelineEntry[] = [];
  for (const input of inputs) {
    const line = {
      recordId: input.recordId,
      workflowId,
      enrollmentId: input.enrollmentId,
      eventId: input.eventId,
      dedupeKey: `${input.enrollmentId}:begin`,
    };
    if (enrollments.some((enrollment) => enrollment.id === input.enrollmentId)) {
      decisions.push({ input, enrolled: true });
      continue;
    }
    const others = enrollments.filter((enrollment) => enrollment.recordId === input.recordId);
    const earlier = others.length > 0 ? { active: others.some((enrollment) => enrollment.active) } : undefined;
    const refused = refusal({
      workflow,
      record: records.get(input.recordId),
      event: input,
      earlier,
      manual: byHand !== undefined,
    });
    if (refused) {
      decisions.push({ input, enrolled: false, refusal: refused });
      if (byHand === undefined) {
        const detail =
          cause === undefined
            ? notEnrolledDetail(workflow, refused.reason)
            : `not enrolled (${cause}): ${refused.reason}`;
        lines.push({ ...line, kind: TimelineKinds.notEnrolled, detail });
      }
      continue;
    }
    decisions.push({ input, enrolled: true });
    // A later event of the same record in this batch sees this enrollment as an earlier, active one.
    enrollments.push({ id: input.enrollmentId, recordId: input.recordId, active: true });
    lines.push({
      ...line,
      kind: TimelineKinds.enrolled,
      detail: byHand === undefined ? `enrolled${because}` : `enrolled by hand by ${byHand}`,
    });
  }
  await insertEnrollments(
    db,
    decisions
      .filter((decision) => decision.enrolled)
      .map(({ input }) => ({ id: input.enrollmentId, workflowId, recordId: input.recordId, eventId: input.eventId })),
  );
  await appendTimelineLines(db, lines);
  return { workflow, decisions };
}
