import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { enrollmentExists, insertEnrollments, listRecordEnrollments } from '../src/db/enrollments';
import { inTransaction } from '../src/db/pool';
import { getRecord, listRecordsById } from '../src/db/records';
import { appendTimelineLines, type TimelineEntry } from '../src/db/timeline';
import { getWorkflow } from '../src/db/workflows';
import {
  type Action,
  type EnrollingEvent,
  type EnrollmentInput,
  enrollmentInput,
  notEnrolledDetail,
  refusalReason,
  TimelineKinds,
  type ExecutionWindow,
  type Workflow,
} from '../src/domain';
import { findAction, nextStep, startWalk, stepAction, type Walk } from '../src/domain/walk';
import { enrollmentSearchAttributes } from '../src/temporal/search-attributes';
import type { enrollmentWorkflow } from '../workflows/enrollment';
import { createDefinitionCache } from './definitions';
import type { ActivityDeps, EnrollmentStarterDeps } from './deps';

export type { EnrollmentInput };

/**
 * What an enrollment reads before each step, and no more (it is recorded in the workflow's history): the next
 * action as `stepAction` gives it, the walk after it, and the switch and execution window it runs under. `gone`
 * when the workflow was deleted; `end` when no action is left.
 */
export type NextStep =
  | { kind: 'gone' }
  | { kind: 'end'; reason: 'done' | 'deleted' }
  | {
      kind: 'action';
      action: Action;
      walk: Walk;
      deletedIds: string[];
      enabled: boolean;
      executionWindow?: ExecutionWindow;
    };

/** An action read again at the moment it runs (after waiting for the execution window); null when it is gone. */
export type CurrentAction = { action: Action | null; enabled: boolean } | null;

export interface RecordSnapshot {
  stageId: string;
  properties: Record<string, unknown>;
}

/** The once-only decision on one event: enrolled, or not with the reason. */
type Decision = { input: EnrollmentInput; enrolled: boolean; reason?: string };

export function createEnrollmentActivities({ pool, log, temporal, taskQueue }: ActivityDeps & EnrollmentStarterDeps) {
  const definitions = createDefinitionCache(pool);

  async function readNextStep(workflowId: string, walk: Walk): Promise<NextStep> {
    const definition = await definitions.current(workflowId);
    if (!definition) return { kind: 'gone' };
    const step = nextStep(definition.actions, walk);
    if (step.kind === 'end') return step;
    return {
      ...step,
      action: stepAction(step.action),
      enabled: definition.enabled,
      ...(definition.settings.executionWindow && { executionWindow: definition.settings.executionWindow }),
    };
  }

  /**
   * Decides whether each event's record enrolls, in order, and records the answers: the once-only decision, for a
   * batch of one workflow's events in one transaction. Advisory locks per (workflow, record), taken in one order,
   * keep two decisions on a record from running at once. The workflow row is read FOR SHARE, so a concurrent `disable`
   * either lands first (and no record is enrolled) or waits for these decisions: no enrollment is decided after
   * `disable` returns. A decision recorded before (a retry after a crash) stands.
   */
  function decide(
    workflowId: string,
    inputs: EnrollmentInput[],
  ): Promise<{ workflow?: Workflow; decisions: Decision[] }> {
    return inTransaction(pool, async (db) => {
      const recordIds = [...new Set(inputs.map((input) => input.recordId))];
      await db.query(
        `SELECT pg_advisory_xact_lock(key) FROM
           (SELECT hashtext($1 || '/' || record_id) AS key FROM unnest($2::text[]) AS record_id ORDER BY 1) AS locks`,
        [workflowId, recordIds],
      );
      const workflow = await getWorkflow(db, workflowId, 'FOR SHARE');
      const records = await listRecordsById(db, recordIds);
      const enrollments = await listRecordEnrollments(db, workflowId, recordIds);
      const decisions: Decision[] = [];
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
        const reason = refusalReason({ workflow, record: records.get(input.recordId), event: input, earlier });
        log.info(
          { requestId: input.requestId, enrollmentId: input.enrollmentId, enrolled: !reason, reason },
          'enrollment decided',
        );
        if (reason) {
          decisions.push({ input, enrolled: false, reason });
          lines.push({ ...line, kind: TimelineKinds.notEnrolled, detail: notEnrolledDetail(workflow, reason) });
          continue;
        }
        decisions.push({ input, enrolled: true });
        // A later event of the same record in this batch sees this enrollment as an earlier, active one.
        enrollments.push({ id: input.enrollmentId, recordId: input.recordId, active: true });
        lines.push({ ...line, kind: TimelineKinds.enrolled, detail: 'enrolled' });
      }
      await insertEnrollments(
        db,
        decisions
          .filter((decision) => decision.enrolled)
          .map(({ input }) => ({
            id: input.enrollmentId,
            workflowId,
            recordId: input.recordId,
            eventId: input.eventId,
          })),
      );
      await appendTimelineLines(db, lines);
      return { workflow, decisions };
    });
  }

  /** Starts the enrollment's own workflow; one that was started before (a retried batch) counts as started. */
  async function startEnrollmentWorkflow(input: EnrollmentInput, workflow: Workflow): Promise<void> {
    try {
      await temporal.workflow.start<typeof enrollmentWorkflow>('enrollmentWorkflow', {
        workflowId: input.enrollmentId,
        taskQueue,
        // The same event never enrolls twice, even after an earlier enrollment for it has finished.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: enrollmentSearchAttributes({ ...input, pipelineId: workflow.pipelineId }),
        // The first workflow task comes back with the start, to this worker: no round trip through the task queue.
        requestEagerStart: true,
        args: [input],
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  return {
    /**
     * The automation workflow's one step: decides the batch's enrollments (one record's events in the order they
     * happened) and starts the enrolled ones, each as a workflow of its own (no parent, so nothing grows the
     * automation workflow's history). Safe to run again. Answers whether the workflow is on, so that an automation
     * workflow left running after its workflow was turned off ends.
     */
    async startEnrollments({
      workflowId,
      events,
    }: {
      workflowId: string;
      events: EnrollingEvent[];
    }): Promise<{ workflowOn: boolean }> {
      const { workflow, decisions } = await decide(
        workflowId,
        events.map((event) => enrollmentInput(workflowId, event)),
      );
      await Promise.all(
        decisions.filter((decision) => decision.enrolled).map(({ input }) => startEnrollmentWorkflow(input, workflow!)),
      );
      return { workflowOn: workflow?.enabled === true };
    },

    /** The step after `walk` in the current definition. Run as a local activity before each step. */
    nextStep({ workflowId, walk }: { workflowId: string; walk: Walk }): Promise<NextStep> {
      return readNextStep(workflowId, walk);
    },

    /** One action as the current definition has it. Run as a local activity. */
    async currentAction({ workflowId, actionId }: { workflowId: string; actionId: string }): Promise<CurrentAction> {
      const definition = await definitions.current(workflowId);
      if (!definition) return null;
      const action = findAction(definition.actions, actionId);
      return { action: action ? stepAction(action) : null, enabled: definition.enabled };
    },

    /** The record as branches and delays see it, read fresh; null when it was deleted. Run as a local activity. */
    async readRecordSnapshot({ recordId }: { recordId: string }): Promise<RecordSnapshot | null> {
      const record = await getRecord(pool, recordId);
      return record ? { stageId: record.stageId, properties: record.properties } : null;
    },

    /**
     * An enrollment's first step: the decision `startEnrollments` recorded (or a new one, for an enrollment started
     * another way), and, when enrolled, the first action.
     */
    async beginEnrollment(
      input: EnrollmentInput,
    ): Promise<{ enrolled: true; step: NextStep } | { enrolled: false; reason: string }> {
      if (!(await enrollmentExists(pool, input.enrollmentId))) {
        const [decision] = (await decide(input.workflowId, [input])).decisions;
        if (!decision?.enrolled) return { enrolled: false, reason: decision?.reason ?? 'not enrolled' };
      }
      return { enrolled: true, step: await readNextStep(input.workflowId, startWalk()) };
    },
  };
}
