import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { enrollmentExists, findEarlierEnrollment, insertEnrollment } from '../src/db/enrollments';
import { inTransaction } from '../src/db/pool';
import { getRecord } from '../src/db/records';
import { appendTimeline } from '../src/db/timeline';
import { getWorkflow } from '../src/db/workflows';
import {
  type Action,
  type CrmRecord,
  type EnrollingEvent,
  type EnrollmentInput,
  enrollmentInput,
  notEnrolledDetail,
  refusalReason,
  TimelineKinds,
  type Workflow,
  type WorkflowSettings,
} from '../src/domain';
import { enrollmentSearchAttributes } from '../src/temporal/search-attributes';
import type { enrollmentWorkflow } from '../workflows/enrollment';
import type { ActivityDeps, EnrollmentStarterDeps } from './deps';

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

type Decision = { enrolled: boolean; reason?: string; workflow?: Workflow; record?: CrmRecord };

export function createEnrollmentActivities({ pool, log, temporal, taskQueue }: ActivityDeps & EnrollmentStarterDeps) {
  /**
   * Decides whether the record enrolls, and records the answer: the once-only decision. The workflow row is read FOR
   * SHARE, so a concurrent `disable` either lands first (and the record is not enrolled) or waits for this decision:
   * no enrollment is decided after `disable` returns. A second call for the same enrollment (a retry after a crash)
   * gives the answer that was recorded.
   */
  function decide(input: EnrollmentInput): Promise<Decision> {
    return inTransaction(pool, async (db) => {
      // One decision at a time per (workflow, record): never two enrollments of a record at once.
      await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${input.workflowId}/${input.recordId}`]);
      const workflow = await getWorkflow(db, input.workflowId, 'FOR SHARE');
      const record = await getRecord(db, input.recordId);
      if (await enrollmentExists(db, input.enrollmentId)) return { enrolled: true, workflow, record };
      const earlier = await findEarlierEnrollment(db, input.workflowId, input.recordId, input.enrollmentId);
      const reason = refusalReason({ workflow, record, event: input, earlier });
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
        const detail = notEnrolledDetail(workflow, reason);
        await appendTimeline(db, { ...line, kind: TimelineKinds.notEnrolled, detail });
        return { enrolled: false, reason, workflow, record };
      }
      await insertEnrollment(db, { ...input, id: input.enrollmentId });
      await appendTimeline(db, { ...line, kind: TimelineKinds.enrolled, detail: 'enrolled' });
      return { enrolled: true, workflow, record };
    });
  }

  /** Starts the enrollment's own workflow; one that was started before (a retried batch) counts as started. */
  async function startEnrollmentWorkflow(input: EnrollmentInput, pipelineId: string): Promise<void> {
    try {
      await temporal.workflow.start<typeof enrollmentWorkflow>('enrollmentWorkflow', {
        workflowId: input.enrollmentId,
        taskQueue,
        // The same event never enrolls twice, even after an earlier enrollment for it has finished.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: enrollmentSearchAttributes({ ...input, pipelineId }),
        args: [input],
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  return {
    /**
     * The automation workflow's one step: decides each event's enrollment and starts the enrolled ones, each as a
     * workflow of its own (no parent, so nothing grows the automation workflow's history). One record's events are
     * decided one after another, in order; different records' at the same time. Safe to run again. Answers whether
     * the workflow is on now, so that an automation workflow left running after its workflow was turned off ends.
     */
    async startEnrollments({
      workflowId,
      events,
    }: {
      workflowId: string;
      events: EnrollingEvent[];
    }): Promise<{ workflowOn: boolean }> {
      const byRecord = new Map<string, EnrollingEvent[]>();
      for (const event of events) byRecord.set(event.recordId, [...(byRecord.get(event.recordId) ?? []), event]);
      await Promise.all(
        [...byRecord.values()].map(async (recordEvents) => {
          for (const event of recordEvents) {
            const input = enrollmentInput(workflowId, event);
            const decision = await decide(input);
            if (decision.enrolled) await startEnrollmentWorkflow(input, decision.workflow!.pipelineId);
          }
        }),
      );
      return { workflowOn: (await getWorkflow(pool, workflowId))?.enabled === true };
    },

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

    /** An enrollment's first step: the decision `startEnrollments` recorded, or a new one when none was. */
    async beginEnrollment(input: EnrollmentInput): Promise<{ enrolled: boolean; reason?: string }> {
      const { enrolled, reason } = await decide(input);
      return reason === undefined ? { enrolled } : { enrolled, reason };
    },
  };
}
