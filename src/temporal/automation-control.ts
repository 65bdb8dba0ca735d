import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { automationWorkflowId } from '../domain';
import type { Logger } from '../log';
import { automationWorkflow } from '../../workflows/automation';
import { disableSignal } from '../../workflows/signals';
import { withDeadline } from './client';

const CALL_TIMEOUT_MS = 3_000;

/**
 * Starts the automation workflow of a workflow that was just turned on. The switch itself is the database row;
 * if Temporal is unreachable now, the relay starts the automation workflow with the first event.
 */
export async function startAutomation(
  deps: { temporal: Client; taskQueue: string; log: Logger },
  workflowId: string,
): Promise<void> {
  try {
    await withDeadline(deps.temporal, CALL_TIMEOUT_MS, () =>
      deps.temporal.workflow.start(automationWorkflow, {
        workflowId: automationWorkflowId(workflowId),
        taskQueue: deps.taskQueue,
        args: [{ workflowId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    );
  } catch (error) {
    deps.log.warn({ err: error, workflowId }, 'could not start the automation workflow now; the relay will start it');
  }
}

/**
 * Tells the automation workflow that its workflow was turned off. The database row already says so, and
 * enrollments check it before they start, so a signal that cannot be delivered now changes nothing.
 */
export async function stopAutomation(deps: { temporal: Client; log: Logger }, workflowId: string): Promise<void> {
  try {
    await withDeadline(deps.temporal, CALL_TIMEOUT_MS, () =>
      deps.temporal.workflow.getHandle(automationWorkflowId(workflowId)).signal(disableSignal),
    );
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    deps.log.warn({ err: error, workflowId }, 'could not signal the automation workflow to stop');
  }
}
