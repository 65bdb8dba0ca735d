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

/** A backfill page is an activity on the task queue, not a local one, so that live batches go on while it runs. */
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
 * Switched on, it also works its share of the workflow's running backfill (`enrollExisting`), if any, one page at a
 * time, beside the live events: a page in flight (its decisions, then its ~200 enrollment starts) never holds up a
 * live batch, which goes out as soon as it arrives. Which parts of the backfill are this shard's is asked of the
 * database with each page (the shard count may have changed since the backfill began).
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
    // Look for the workflow's running backfill, and this shard's parts of it: one may have been asked for with this
    // switch, or the shard count changed.
    if (on) backfill = {};
  });

  const timeToContinueAsNew = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS;
  };

  /** True while a page is in flight: the run continues as new or ends only between pages. */
  let paging = false;
  /**
   * Pages of the backfill one after another, while there is one and the shard is on, beside the loop below: neither
   * waits for the other, so a live batch goes out while a page is under way and a page goes on while a live batch
   * is decided (the two are kept apart per record by the decision's lock and by `listEnteredSince`).
   */
  const workBackfill = async () => {
    for (;;) {
      await condition(() => backfill !== undefined && on && !timeToContinueAsNew());
      paging = true;
      const switchesBefore = switches;
      const { next, busy, workflowOn } = await enrollExistingPage({
        workflowId: input.workflowId,
        shard: input.shard,
        cursor: backfill!,
      });
      paging = false;
      // A switch meanwhile asked to look for the running backfill again.
      if (switches === switchesBefore) {
        backfill = next;
        // Turned off without this run hearing of it (a run started again by the relay just as it was turned off).
        if (workflowOn === false) on = false;
      }
      // The workers are still on the previous pages' enrollments: ask again in a while.
      if (busy) await condition(() => !on || timeToContinueAsNew(), BACKFILL_BUSY_WAIT);
    }
  };
  // Never awaited: it waits for work until the run ends, which happens only between its pages (`paging`).
  void workBackfill();

  for (;;) {
    await condition(() => queue.length > 0 || !on || timeToContinueAsNew());
    while (queue.length > 0 && !timeToContinueAsNew()) {
      const switchesBefore = switches;
      const { workflowOn } = await startEnrollments({ workflowId: input.workflowId, events: queue.splice(0, BATCH) });
      // Turned off without this run hearing of it (a stop that crossed a late batch): end like a switched-off one.
      if (!workflowOn && switches === switchesBefore) on = false;
    }
    if (timeToContinueAsNew()) {
      // The page under way finishes first, so that the place carried over is the one it answered.
      await condition(() => !paging && allHandlersFinished());
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
      await condition(() => !paging && allHandlersFinished());
      // A batch or a switch back on that came in meanwhile keeps it running.
      if (!on && queue.length === 0) return;
    }
  }
}
