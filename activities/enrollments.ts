import { type EnrollmentDecision, decideEnrollments } from '../src/db/enrollment-decisions';
import { enrollmentStatus } from '../src/db/enrollments';
import { EnrollmentStatuses } from '../src/domain/enrollments';
import { inTransaction } from '../src/db/pool';
import { getRecord } from '../src/db/records';
import {
  type Action,
  type EnrollingEvent,
  type EnrollmentInput,
  enrollmentInput,
  type ExecutionWindow,
  type PauseDates,
  goalMet,
  type Workflow,
} from '../src/domain';
import { findAction, nextStep, startWalk, stepAction, type Walk } from '../src/domain/walk';
import { startEnrollmentWorkflow } from '../src/temporal/enrollments';
import { createDefinitionCache } from './definitions';
import type { ActivityDeps, EnrollmentStarterDeps } from './deps';

export type { EnrollmentInput };

/**
 * What an enrollment reads before each step, and no more (it is recorded in the workflow's history): the next
 * action as `stepAction` gives it, the walk after it, and the switch, execution window and pause dates it runs
 * under. `gone` when the workflow was deleted; `end` when no action is left; `goal` when an action is left but the
 * record meets the workflow's goal, so the enrollment ends instead.
 */
export type NextStep =
  | { kind: 'gone' }
  | { kind: 'goal' }
  | { kind: 'end'; reason: 'done' | 'deleted' }
  | {
      kind: 'action';
      action: Action;
      walk: Walk;
      deletedIds: string[];
      enabled: boolean;
      executionWindow?: ExecutionWindow;
      pauseDates?: PauseDates;
    };

/** An action read again at the moment it runs (after waiting for the execution window); null when it is gone. */
export type CurrentAction = { action: Action | null; enabled: boolean } | null;

export interface RecordSnapshot {
  stageId: string;
  properties: Record<string, unknown>;
}

export function createEnrollmentActivities({ pool, log, temporal, taskQueue }: ActivityDeps & EnrollmentStarterDeps) {
  const definitions = createDefinitionCache(pool);

  async function readNextStep(workflowId: string, recordId: string, walk: Walk): Promise<NextStep> {
    const definition = await definitions.current(workflowId);
    if (!definition) return { kind: 'gone' };
    const step = nextStep(definition.actions, walk);
    if (step.kind === 'end') return step;
    if (definition.settings.goal) {
      const record = await getRecord(pool, recordId);
      if (record && goalMet(definition.settings, record)) return { kind: 'goal' };
    }
    return {
      ...step,
      action: stepAction(step.action),
      enabled: definition.enabled,
      ...(definition.settings.executionWindow && { executionWindow: definition.settings.executionWindow }),
      ...(definition.settings.pauseDates && { pauseDates: definition.settings.pauseDates }),
    };
  }

  /** The once-only decision on a batch of one workflow's enrollments, in one transaction (`decideEnrollments`). */
  async function decide(
    workflowId: string,
    inputs: EnrollmentInput[],
  ): Promise<{ workflow?: Workflow; decisions: EnrollmentDecision[] }> {
    const decided = await inTransaction(pool, (db) => decideEnrollments(db, workflowId, inputs));
    for (const decision of decided.decisions) {
      const { requestId, enrollmentId } = decision.input;
      const reason = decision.enrolled ? undefined : decision.refusal.reason;
      log.info({ requestId, enrollmentId, enrolled: decision.enrolled, reason }, 'enrollment decided');
    }
    return decided;
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
        decisions
          .filter((decision) => decision.enrolled)
          .map(({ input }) =>
            startEnrollmentWorkflow(temporal, { input, pipelineId: workflow!.pipelineId, taskQueue, eager: true }),
          ),
      );
      return { workflowOn: workflow?.enabled === true };
    },

    /**
     * The step after `walk` in the current definition, or `goal` when the record meets the workflow's goal now. Run as
     * a local activity before each step.
     */
    nextStep({ workflowId, recordId, walk }: { workflowId: string; recordId: string; walk: Walk }): Promise<NextStep> {
      return readNextStep(workflowId, recordId, walk);
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
      const status = await enrollmentStatus(pool, input.enrollmentId);
      // Unenrolled while its start was on its way (`cancelUnstartedEnrollment` wrote the line).
      if (status === EnrollmentStatuses.cancelled) return { enrolled: false, reason: 'unenrolled before it started' };
      if (status === undefined) {
        const [decision] = (await decide(input.workflowId, [input])).decisions;
        if (decision && !decision.enrolled) return { enrolled: false, reason: decision.refusal.reason };
      }
      return { enrolled: true, step: await readNextStep(input.workflowId, input.recordId, startWalk()) };
    },
  };
}
