import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { automationWorkflowId } from '../domain';
import type { Logger } from '../log';
import { disableSignal } from '../../workflows/signals';
import { withDeadline } from './client';

const CALL_TIMEOUT_MS = 3_000;

/**
 * Tells the automation workflow, if a run started by an earlier version is still open, that its workflow was turned
 * off or deleted, so that the run ends (see `workflows/automation.ts`: nothing starts one any more). The database row
 * already says so, and enrollments check it before they start, so a signal that cannot be delivered changes nothing.
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
