import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { EnrollmentInput } from '../domain';
import type { enrollmentWorkflow } from '../../workflows/enrollment';
import { enrollmentSearchAttributes } from './search-attributes';

/**
 * Starts an enrollment's own workflow (`enrollment/<workflowId>/<recordId>/<eventId>`) once its decision is recorded:
 * from the automation workflow's activity, and from the relay for an enrollment made by hand. One that was started
 * before (a retried batch, a redelivered outbox row) counts as started.
 */
export async function startEnrollmentWorkflow(
  temporal: Client,
  {
    input,
    pipelineId,
    taskQueue,
    eager = false,
  }: {
    input: EnrollmentInput;
    pipelineId: string;
    taskQueue: string;
    /**
     * The first workflow task comes back with the start, to this process's worker: no round trip through the task
     * queue. Only for a client on a worker's own connection (the activity's).
     */
    eager?: boolean;
  },
): Promise<void> {
  try {
    await temporal.workflow.start<typeof enrollmentWorkflow>('enrollmentWorkflow', {
      workflowId: input.enrollmentId,
      taskQueue,
      // The same event never enrolls twice, even after an earlier enrollment for it has finished.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: enrollmentSearchAttributes({ ...input, pipelineId }),
      requestEagerStart: eager,
      args: [input],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
