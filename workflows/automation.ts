import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, BackfillCursor } from '../activities';
import type { EnrollingEvent } from '../src/domain/events';
import { eventsSignal, switchSignal } from './signals';

/** Continue as new past this many history events even when Temporal has not suggested it yet. */
const MAX_HISTORY_EVENTS = 2_000;

/** Event ids remembered, across continue-as-new too: enough to drop the relay's redeliveries. */
const REMEMBERED_EVENT_IDS = 2_000;

/** Events handed to one activity call; a larger queue takes several. */
const BATCH = 100;

const { startEnrollments } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** How long a backfill waits before asking again when the workers are busy with its enrollments. */
const BACKFILL_BUSY_WAIT = '1s';

/** A backfill page is an activity on the task queue, so that the workflow task ends and live events come in between. */
const { enrollExistingPage } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

export interface AutomationInput {
  workflowId: string;
  shard: number;
  /** Events taken but not yet handed on, carried over continue-as-new. */
  queued?: EnrollingEvent[];
  /** The most recent event ids taken, carried over continue-as-new. */
  recentEventIds?: string[];
  /** Turned off before the previous run continued as new: end once the queue is handed on. */
  off?: boolean;
  /** Where this shard is in enrolling the records already in the trigger stage, carried over continue-as-new. */
  backfill?: BackfillCursor;
}

/**
 * One shard of an enabled workflow (`automation/<workflowId>/<shard>`), running while the workflow is on. Takes the
 * relay's batches of events, drops the ones it has seen, and hands them to `startEnrollments`, which applies the
 * enrollment rules and starts each enrollment as a workflow of its own: no child events reach this history, so it
 * stays short under any stream, and it continues as new (carrying its queue) on Temporal's suggestion or past
 * `MAX_HISTORY_EVENTS`. Turned off, it hands on what it has taken and ends.
 *
 * Switched on, it also works its shard's part of the workflow's running backfill (`enrollExisting`), if any: a page
 * of records per loop, only while no live event waits, so that live events are never held up by more than a page.
 */
export async function automationWorkflow(input: AutomationInput): Promise<void> {
  const recent = input.recentEventIds ?? [];
  const seen = new Set(recent);
  const queue: EnrollingEvent[] = [...(input.queued ?? [])];
  let on = !input.off;
  let backfill = input.backfill;

  setHandler(eventsSignal, (events) => {
    for (const event of events) {
      if (seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      recent.push(event.eventId);
      queue.push(event);
    }
    // Bounded memory: forget the oldest ids.
    for (const id of recent.splice(0, Math.max(0, recent.length - REMEMBERED_EVENT_IDS))) seen.delete(id);
  });
  /** Counts switch signals, so that an activity's older view of the switch never overrides a newer signal. */
  let switches = 0;
  setHandler(switchSignal, ({ on: switchedOn }) => {
    on = switchedOn;
    switches++;
    // Look for the workflow's running backfill: one may have been asked for with this switch.
    if (on) backfill = {};
  });

  const timeToContinueAsNew = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS;
  };

  for (;;) {
    await condition(() => queue.length > 0 || !on || backfill !== undefined || timeToContinueAsNew());
    while (queue.length > 0 && !timeToContinueAsNew()) {
      const switchesBefore = switches;
      const { workflowOn } = await startEnrollments({ workflowId: input.workflowId, events: queue.splice(0, BATCH) });
      // Turned off without this run hearing of it (a stop that crossed a late batch): end like a switched-off one.
      if (!workflowOn && switches === switchesBefore) on = false;
    }
    if (backfill && on && queue.length === 0 && !timeToContinueAsNew()) {
      const switchesBefore = switches;
      const { next, busy } = await enrollExistingPage({
        workflowId: input.workflowId,
        shard: input.shard,
        cursor: backfill,
      });
      // A switch meanwhile asked to look for the running backfill again.
      if (switches === switchesBefore) backfill = next;
      // The workers are still on the previous pages' enrollments: ask again in a while, live events first.
      if (busy) await condition(() => queue.length > 0 || !on || timeToContinueAsNew(), BACKFILL_BUSY_WAIT);
    }
    if (timeToContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof automationWorkflow>({
        workflowId: input.workflowId,
        shard: input.shard,
        queued: queue.splice(0),
        recentEventIds: recent,
        ...(!on && { off: true }),
        ...(on && backfill && { backfill }),
      });
    }
    if (!on && queue.length === 0) {
      await condition(allHandlersFinished);
      // A batch or a switch back on that came in meanwhile keeps it running.
      if (!on && queue.length === 0) return;
    }
  }
}
