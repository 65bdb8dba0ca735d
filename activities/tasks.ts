import { runOnce } from '../src/db/action-runs';
import { insertTask } from '../src/db/tasks';
import { appendTimeline } from '../src/db/timeline';
import {
  type ActionOutcome,
  type ActionRunInput,
  type CreateTaskConfig,
  parseDuration,
  renderTemplate,
  taskDetail,
} from '../src/domain';
import { actionCompletedLine, markActionStarted } from './audit';
import { type ActivityDeps, requireRecord } from './deps';

export function createTaskActivities({ pool, clock, newId }: ActivityDeps) {
  return {
    /** `create_task`: one task per (enrollment, action), with its timeline line in the same transaction. */
    async createTask(input: ActionRunInput<CreateTaskConfig>): Promise<ActionOutcome> {
      return runOnce(pool, input.key, async (db) => {
        await markActionStarted(db, input);
        const record = await requireRecord(db, input.recordId);
        const title = renderTemplate(input.config.title, record);
        const dueInMs = input.config.dueIn === undefined ? undefined : parseDuration(input.config.dueIn);
        const assignee = input.config.assignTo === 'owner' ? record.ownerId : (input.config.assignTo ?? null);
        await insertTask(db, {
          id: newId('task'),
          key: input.key,
          recordId: input.recordId,
          workflowId: input.workflowId,
          enrollmentId: input.enrollmentId,
          actionId: input.actionId,
          title,
          body: renderTemplate(input.config.body ?? '', record),
          dueAt: dueInMs === undefined ? null : new Date(clock().getTime() + dueInMs).toISOString(),
          assignee,
        });
        const detail = taskDetail(title, assignee);
        await appendTimeline(db, actionCompletedLine(input, detail));
        return { detail };
      });
    },
  };
}
