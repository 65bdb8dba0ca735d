import { enrollmentExists, findEarlierEnrollment, insertEnrollment } from '../src/db/enrollments';
import { inTransaction, type Queryable } from '../src/db/pool';
import { getRecord } from '../src/db/records';
import { appendTimeline } from '../src/db/timeline';
import { getWorkflow } from '../src/db/workflows';
import {
  type Action,
  type CrmRecord,
  describeAutomation,
  type EnrollmentInput,
  SOURCES_EXCLUDED_BY_DEFAULT,
  TimelineKinds,
  type Workflow,
  type WorkflowSettings,
} from '../src/domain';
import type { ActivityDeps } from './deps';

export type { EnrollmentInput };

/** The part of a workflow definition an enrollment reads before each step. */
export interface DefinitionSnapshot {
  enabled: boolean;
  version: number;
  actions: Action[];
  settings: WorkflowSettings;
}

export interface RecordSnapshot {
  stageId: string;
  properties: Record<string, unknown>;
}

/** Automation chains deeper than this (A moves a record, which triggers B, which moves it …) are stopped. */
export const MAX_AUTOMATION_DEPTH = 10;

/** Why a record does not enroll, or undefined when it does. Checked in order; the first reason wins. */
async function refusalReason(
  db: Queryable,
  input: EnrollmentInput,
  workflow: Workflow | undefined,
  record: CrmRecord | undefined,
): Promise<string | undefined> {
  if (!workflow) return 'the workflow was deleted';
  if (!workflow.enabled) return workflow.templated ? `${describeAutomation(workflow)} is off` : 'the workflow is off';
  if (!record) return 'the record was deleted';
  if (input.depth > MAX_AUTOMATION_DEPTH) {
    return `stopped by the loop guard: this stage entry is ${input.depth} automation steps deep (limit ${MAX_AUTOMATION_DEPTH}); workflows keep triggering each other in a loop`;
  }
  const { trigger, settings, enrollment } = workflow;
  if (trigger.type === 'stage_entered' && settings.unenrollOnStageExit && record.stageId !== trigger.stageId) {
    return `the record already left stage "${trigger.stageId}" (it is in "${record.stageId}")`;
  }
  const excludedSource =
    record.objectType === 'ticket' && record.source !== null && SOURCES_EXCLUDED_BY_DEFAULT.includes(record.source);
  if (excludedSource && !enrollment.includeSources?.includes(record.source!)) {
    return `tickets from ${record.source} are not enrolled unless the workflow lists "${record.source}" in enrollment.includeSources`;
  }
  const earlier = await findEarlierEnrollment(db, input.workflowId, input.recordId, input.enrollmentId);
  if (earlier && !enrollment.reenroll) return 'the record was enrolled before and re-enrollment is off';
  // Each email is an event of its own, enrolled even while an earlier email's enrollment runs; a stage is entered
  // once at a time.
  if (earlier?.active && trigger.type === 'stage_entered')
    return 'the record is still enrolled from an earlier entry; a record is never enrolled twice at once';
  return undefined;
}

export function createEnrollmentActivities({ pool, log }: ActivityDeps) {
  return {
    /** The current definition, or null when the workflow was deleted. Run as a local activity before each step. */
    async loadDefinition({ workflowId }: { workflowId: string }): Promise<DefinitionSnapshot | null> {
      const workflow = await getWorkflow(pool, workflowId);
      if (!workflow) return null;
      return {
        enabled: workflow.enabled,
        version: workflow.version,
        actions: workflow.actions,
        settings: workflow.settings,
      };
    },

    /** The record as branches and delays see it, read fresh; null when it was deleted. Run as a local activity. */
    async readRecordSnapshot({ recordId }: { recordId: string }): Promise<RecordSnapshot | null> {
      const record = await getRecord(pool, recordId);
      return record ? { stageId: record.stageId, properties: record.properties } : null;
    },

    /**
     * Decides whether the record enrolls, and records the answer. The workflow row is read FOR SHARE, so a
     * concurrent `disable` either lands first (and the record is not enrolled) or waits for this decision:
     * no enrollment starts after `disable` returns.
     */
    async beginEnrollment(input: EnrollmentInput): Promise<{ enrolled: boolean; reason?: string }> {
      return inTransaction(pool, async (db) => {
        // One decision at a time per (workflow, record): never two enrollments of a record at once.
        await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${input.workflowId}/${input.recordId}`]);
        // A re-run (the first run's answer was lost in a crash) gives the answer that was recorded.
        if (await enrollmentExists(db, input.enrollmentId)) return { enrolled: true };
        const workflow = await getWorkflow(db, input.workflowId, 'FOR SHARE');
        const record = await getRecord(db, input.recordId);
        const reason = await refusalReason(db, input, workflow, record);
        const line = {
          recordId: input.recordId,
          workflowId: input.workflowId,
          enrollmentId: input.enrollmentId,
          eventId: input.eventId,
          dedupeKey: `${input.enrollmentId}:begin`,
        };
        log.info(
          { requestId: input.requestId, enrollmentId: input.enrollmentId, enrolled: !reason, reason },
          'enrollment decided',
        );
        if (reason) {
          // A templated automation that does not act leaves the ticket's status as it is, and says so.
          const outcome = workflow?.templated ? 'status unchanged' : 'not enrolled';
          await appendTimeline(db, { ...line, kind: TimelineKinds.notEnrolled, detail: `${outcome}: ${reason}` });
          return { enrolled: false, reason };
        }
        await insertEnrollment(db, { ...input, id: input.enrollmentId });
        await appendTimeline(db, { ...line, kind: TimelineKinds.enrolled, detail: 'enrolled' });
        return { enrolled: true };
      });
    },
  };
}
