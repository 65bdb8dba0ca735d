import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { condition, continueAsNew, patched, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import { type EnrollingEvent, enrollmentInput } from '../src/domain/events';
import { enrollmentWorkflow } from './enrollment';
import { disableSignal, stageEnteredSignal, ticketEmailSignal } from './signals';

/**
 * Starts the children of all queued events at once, in one workflow task, rather than one workflow task per child.
 * Runs whose history began before this patch keep starting them one by one.
 */
const BATCHED_STARTS = 'batched-child-starts';

/**
 * Continue as new past this many history events even when Temporal has not suggested it: its suggestion came only
 * past 13,000 events in the benchmark (3,000 stage entries), and a run must never near the 51,200-event limit.
 * Runs whose history began before this patch keep waiting for the suggestion alone.
 */
const BOUNDED_HISTORY = 'bounded-history';
const MAX_HISTORY_EVENTS = 2_000;

/** Event ids remembered across continue-as-new, enough to drop redeliveries from the relay. */
const REMEMBERED_EVENT_IDS = 1000;

export interface AutomationInput {
  workflowId: string;
  /** Most recent event ids handled, carried over continue-as-new. */
  recentEventIds?: string[];
}

/**
 * Retired: the relay now starts each enrollment itself, as a workflow without a parent (see `startEnrollment` in
 * `src/temporal/relay.ts`); nothing starts or signals this workflow any more except `stopAutomation`. It stays
 * registered so that runs started by earlier versions start the enrollments of events they had already taken, and end
 * when their workflow is turned off.
 *
 * One per enabled workflow (`automation/<workflowId>`). Takes stage-entry and ticket-email events, drops duplicates, and starts
 * one enrollment child per event. Children are abandoned on close so they outlive this workflow's runs.
 */
export async function automationWorkflow(input: AutomationInput): Promise<void> {
  const recent = [...(input.recentEventIds ?? [])];
  const seen = new Set(recent);
  const queue: EnrollingEvent[] = [];
  let disabled = false;

  const take = (event: EnrollingEvent) => {
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    recent.push(event.eventId);
    queue.push(event);
  };
  setHandler(stageEnteredSignal, take);
  setHandler(ticketEmailSignal, take);
  setHandler(disableSignal, () => {
    disabled = true;
  });

  const bounded = patched(BOUNDED_HISTORY);
  const timeToContinueAsNew = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (bounded && info.historyLength > MAX_HISTORY_EVENTS);
  };

  for (;;) {
    await condition(() => queue.length > 0 || disabled || timeToContinueAsNew());
    if (patched(BATCHED_STARTS)) {
      // Events that arrive while a batch starts form the next batch: none may be left behind at continue-as-new.
      while (queue.length > 0) {
        await Promise.all(queue.splice(0).map((event) => startEnrollment(input.workflowId, event)));
      }
    } else {
      for (let event = queue.shift(); event; event = queue.shift()) {
        await startEnrollment(input.workflowId, event);
      }
    }
    if (disabled) return;
    if (timeToContinueAsNew()) {
      await continueAsNew<typeof automationWorkflow>({
        workflowId: input.workflowId,
        recentEventIds: recent.slice(-REMEMBERED_EVENT_IDS),
      });
    }
  }
}

async function startEnrollment(workflowId: string, event: EnrollingEvent): Promise<void> {
  const input = enrollmentInput(workflowId, event);
  try {
    await startChild(enrollmentWorkflow, {
      workflowId: input.enrollmentId,
      parentClosePolicy: 'ABANDON',
      // The same event never enrolls twice, even after an earlier enrollment for it has finished.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
