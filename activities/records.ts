import { ApplicationFailure } from '@temporalio/activity';
import { runOnce } from '../src/db/action-runs';
import { enqueueStageEntered } from '../src/db/outbox';
import { getPipeline } from '../src/db/pipelines';
import { mergeProperties, updateRecord } from '../src/db/records';
import { appendTimeline } from '../src/db/timeline';
import type { ActionOutcome, ActionRunInput, SetPropertyConfig, SetStageConfig } from '../src/domain';
import { actionCompletedLine } from './audit';
import { type ActivityDeps, NonRetryableErrors, requireRecord } from './deps';

export function createRecordActivities({ pool, clock, newId }: ActivityDeps) {
  return {
    /** `set_property`: writes one property of the record, once per (enrollment, action). */
    async setProperty(input: ActionRunInput<SetPropertyConfig>): Promise<ActionOutcome> {
      return runOnce(pool, input.key, async (db) => {
        const record = await requireRecord(db, input.recordId, true);
        const { property, value } = input.config;
        await updateRecord(db, record.id, {
          stageId: record.stageId,
          properties: mergeProperties(record.properties, { [property]: value }),
        });
        const detail =
          value === null ? `cleared property "${property}"` : `set property "${property}" to ${JSON.stringify(value)}`;
        await appendTimeline(db, actionCompletedLine(input, detail));
        return { detail };
      });
    },

    /**
     * `set_stage`: moves the record. The move is a stage entry like any other (outbox row in the same
     * transaction), one level deeper in the causation chain.
     */
    async setStage(input: ActionRunInput<SetStageConfig>): Promise<ActionOutcome> {
      return runOnce(pool, input.key, async (db) => {
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
        if (record.stageId === stageId) {
          const detail = `record already in stage "${stageId}"`;
          await appendTimeline(db, actionCompletedLine(input, detail));
          return { detail };
        }
        await updateRecord(db, record.id, { stageId, properties: record.properties });
        await enqueueStageEntered(
          db,
          {
            eventId: newId('evt'),
            recordId: record.id,
            pipelineId: record.pipelineId,
            stageId,
            depth: input.depth + 1,
            occurredAt: clock().toISOString(),
            causedByEnrollmentId: input.enrollmentId,
            requestId: input.requestId,
          },
          `set by workflow "${input.workflowId}"`,
        );
        const detail = `moved record from stage "${record.stageId}" to "${stageId}"`;
        await appendTimeline(db, actionCompletedLine(input, detail));
        return { detail };
      });
    },
  };
}
