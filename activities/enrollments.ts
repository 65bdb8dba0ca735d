import { hasEarlierEnrollment, insertEnrollment } from '../src/db/enrollments';
import { inTransaction } from '../src/db/pool';
import { getRecord } from '../src/db/records';
import { appendTimeline } from '../src/db/timeline';
import { getWorkflow } from '../src/db/workflows';
import { type Action, TimelineKinds, type WorkflowSettings } from '../src/domain';
import type { ActivityDeps } from './deps';

export interface EnrollmentInput {
  enrollmentId: string;
  workflowId: string;
  recordId: string;
  eventId: string;
  depth: number;
}

/** The part of a workflow definition an enrollment reads before each step. */
export interface DefinitionSnapshot {
  enabled: boolean;
  version: number;
  actions: Action[];
  settings: WorkflowSettings;
}

export function createEnrollmentActivities({ pool }: ActivityDeps) {
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

    /**
     * Decides whether the record enrolls, and records the answer. The workflow row is read FOR SHARE, so a
     * concurrent `disable` either lands first (and the record is not enrolled) or waits for this decision:
     * no enrollment starts after `disable` returns.
     */
    async beginEnrollment(input: EnrollmentInput): Promise<{ enrolled: boolean; reason?: string }> {
      return inTransaction(pool, async (db) => {
        await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${input.workflowId}/${input.recordId}`]);
        const { rows } = await db.query<{ enabled: boolean; enrollment: { reenroll: boolean } }>(
          'SELECT enabled, enrollment FROM workflows WHERE id = $1 FOR SHARE',
          [input.workflowId],
        );
        const workflow = rows[0];
        const record = await getRecord(db, input.recordId);
        let reason: string | undefined;
        if (!workflow) reason = 'the workflow was deleted';
        else if (!workflow.enabled) reason = 'the workflow is off';
        else if (!record) reason = 'the record was deleted';
        else if (
          !workflow.enrollment.reenroll &&
          (await hasEarlierEnrollment(db, input.workflowId, input.recordId, input.enrollmentId))
        ) {
          reason = 'the record was enrolled before and re-enrollment is off';
        }
        const line = {
          recordId: input.recordId,
          workflowId: input.workflowId,
          enrollmentId: input.enrollmentId,
          eventId: input.eventId,
          dedupeKey: `${input.enrollmentId}:begin`,
        };
        if (reason) {
          await appendTimeline(db, { ...line, kind: TimelineKinds.notEnrolled, detail: `not enrolled: ${reason}` });
          return { enrolled: false, reason };
        }
        await insertEnrollment(db, { ...input, id: input.enrollmentId });
        await appendTimeline(db, { ...line, kind: TimelineKinds.enrolled, detail: 'enrolled' });
        return { enrolled: true };
      });
    },
  };
}
