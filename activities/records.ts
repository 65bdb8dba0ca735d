import { ApplicationFailure } from '@temporalio/activity';
import { runOnce } from '../src/db/action-runs';
import { enqueuePropertyChanged, enqueueStageEntered } from '../src/db/outbox';
import { getPipeline } from '../src/db/pipelines';
import { mergeProperties, updateRecord } from '../src/db/records';
import { claimTicketStatus, findEnrollmentEmail } from '../src/db/tickets';
import { appendTimeline } from '../src/db/timeline';
import { getWorkflow } from '../src/db/workflows';
import {
  type ActionOutcome,
  type ActionRunInput,
  changedProperties,
  type SetPropertyConfig,
  type SetStageConfig,
  stageEnteredEvent,
  propertiesProblem,
  propertyChangedEvent,
  propertyDetail,
  stageDetail,
  TimelineKinds,
} from '../src/domain';
import { describeAutomation } from '../src/domain/ticket-status-automation';
import { actionCompletedLine, actionLine, markActionStarted } from './audit';
import { type ActivityDeps, NonRetryableErrors, requireRecord } from './deps';

export function createRecordActivities({ pool, clock, newId }: ActivityDeps) {
  return {
    /**
     * `set_property`: writes one property of the record, once per (enrollment, action). A different value is a
     * property change like any other (outbox row in the same transaction), one level deeper in the causation chain.
     */
    async setProperty(input: ActionRunInput<SetPropertyConfig>): Promise<ActionOutcome> {
      return runOnce(pool, input.key, async (db) => {
        await markActionStarted(db, input);
        const record = await requireRecord(db, input.recordId, true);
        const { property, value } = input.config;
        const properties = mergeProperties(record.properties, { [property]: value });
        const problem = propertiesProblem(properties);
        if (problem) {
          throw ApplicationFailure.create({
            type: NonRetryableErrors.recordLimit,
            nonRetryable: true,
            message: problem,
          });
        }
        const updated = await updateRecord(db, record.id, { stageId: record.stageId, properties });
        for (const change of changedProperties(record.properties, updated.properties)) {
          const event = propertyChangedEvent(updated, change.property, {
            eventId: newId('evt'),
            occurredAt: clock(),
            depth: input.depth + 1,
            causedByEnrollmentId: input.enrollmentId,
            requestId: input.requestId,
          });
          const workflow = await getWorkflow(db, input.workflowId);
          const by = workflow ? describeAutomation(workflow) : `workflow "${input.workflowId}"`;
          await enqueuePropertyChanged(db, event, change, `set by ${by}`);
        }
        const detail = propertyDetail(property, value);
        await appendTimeline(db, actionCompletedLine(input, detail));
        return { detail };
      });
    },

    /**
     * `set_stage`: moves the record. The move is a stage entry like any other (outbox row in the same
     * transaction), one level deeper in the causation chain. On a ticket it is a status change, with a line naming
     * the automation; when an email caused it, an automation of an older email never overrides the status that a
     * later email's automation set (enrollments of several emails may run at once).
     */
    async setStage(input: ActionRunInput<SetStageConfig>): Promise<ActionOutcome> {
      return runOnce(pool, input.key, async (db) => {
        await markActionStarted(db, input);
        const record = await requireRecord(db, input.recordId, true);
        const { stageId } = input.config;
        const pipeline = await getPipeline(db, record.pipelineId);
        if (!pipeline?.stages.some((stage) => stage.id === stageId)) {
          throw ApplicationFailure.create({
            type: NonRetryableErrors.invalidAction,
            nonRetryable: true,
            message: `stage "${stageId}" is not in pipeline "${record.pipelineId}"`,
          });
        }
        const isTicket = record.objectType === 'ticket';
        const email = isTicket ? await findEnrollmentEmail(db, input.enrollmentId) : undefined;
        if (email && !(await claimTicketStatus(db, record.id, email.seq))) {
          const detail = `status unchanged: a later email already set the ticket's status ("${record.stageId}")`;
          await appendTimeline(db, actionLine(input, TimelineKinds.actionSkipped, detail, 'completed'));
          return { detail };
        }
        if (record.stageId === stageId) {
          const detail = stageDetail(stageId, stageId, isTicket);
          await appendTimeline(db, actionCompletedLine(input, detail));
          return { detail };
        }
        const workflow = await getWorkflow(db, input.workflowId);
        const by = workflow ? describeAutomation(workflow) : `workflow "${input.workflowId}"`;
        const moved = await updateRecord(db, record.id, { stageId, properties: record.properties });
        const event = stageEnteredEvent(moved, {
          eventId: newId('evt'),
          occurredAt: clock(),
          depth: input.depth + 1,
          causedByEnrollmentId: input.enrollmentId,
          requestId: input.requestId,
        });
        await enqueueStageEntered(db, event, `set by ${by}`);
        if (isTicket) {
          const change = `status "${record.stageId}" → "${stageId}", set by ${by}`;
          const line = `${change}${email ? ` for email ${email.messageId}` : ''}`;
          await appendTimeline(db, actionLine(input, TimelineKinds.statusChanged, line, 'status'));
        }
        const detail = stageDetail(record.stageId, stageId, isTicket);
        await appendTimeline(db, actionCompletedLine(input, detail));
        return { detail };
      });
    },
  };
}
