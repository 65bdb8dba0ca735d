import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool, PoolClient } from 'pg';
import {
  type ActionRetryInput,
  actionRetryWorkflowId,
  type AutomationToggleEvent,
  automationWorkflowId,
  type EnrollingEvent,
  EventTypes,
  GOAL_MET_REASON,
  goalMet,
  notEnrolledDetail,
  offReason,
  shardOf,
  type PropertyChangedEvent,
  type StageEnteredEvent,
  TimelineKinds,
  type Trigger,
} from '../domain';
import { listBackfillShards } from '../db/backfills';
import { cancelUnstartedEnrollment, listEnrollmentsLeftBehind, listEnrollmentsWithGoal } from '../db/enrollments';
import { lockPendingEvents, markDelivered, OUTBOX_CHANNEL, type OutboxRow, recordDeliveryFailure } from '../db/outbox';
import { inTransaction } from '../db/pool';
import { getRecord } from '../db/records';
import { appendTimeline } from '../db/timeline';
import {
  advanceUnenrollJob,
  listPendingUnenrollJobs,
  listUnenrollPage,
  recordUnenrollJobFailure,
} from '../db/unenroll-jobs';
import { withDeadline } from './client';
import { startEnrollmentWorkflow } from './enrollments';
import { getWorkflow, listTriggeredWorkflows } from '../db/workflows';
import type { Logger } from '../log';
import type { automationWorkflow } from '../../workflows/automation';
import type { actionRetryWorkflow } from '../../workflows/retry';
import { eventsSignal, switchSignal, unenrollSignal } from '../../workflows/signals';

export interface RelayDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  /** Poll interval when no NOTIFY arrives; also the first retry delay after a failure. */
  pollMs: number;
  batchSize?: number;
  /** How often the shards that have backfill work are started again if their run ended (terminated, failed). */
  reconcileMs?: number;
}

export interface Relay {
  /** Delivers what is pending now; resolves with the number of events delivered. */
  deliverPending(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;
const RECONCILE_MS = 5_000;
const CALL_TIMEOUT_MS = 5_000;
/** Temporal calls in flight at once, however many shards a round or a toggle reaches. */
const PARALLEL_CALLS = 16;

/** Runs `call` on every item, `size` at a time; rejects with the first failure once its batch has settled. */
async function inBatches<T>(items: T[], size: number, call: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    const results = await Promise.allSettled(items.slice(start, start + size).map(call));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Moves outbox rows to Temporal, oldest first. Transport only: what an event means is decided by the automation
 * workflows it reaches (`src/domain/triggering.ts`).
 * - Stage entries, property changes and ticket emails go to the automation workflow shard (`automation/<workflowId>/<shard>`) of every
 *   workflow on whose trigger they match: one `signalWithStart` per shard per round, carrying all of that round's
 *   events for it, in order. A matching workflow that is off gets a "not enrolled" line instead. A stage entry also
 *   unenrolls the record from workflows of the stage it left (when they unenroll on exit).
 * - A toggle starts (or switches on) the shards of a workflow that is on and switches off the others.
 * - An enrollment decided by hand starts its enrollment workflow; a retry of a failed action starts its retry
 *   workflow (`retry/<enrollmentId>/<actionId>/<attempt>`).
 * - Beside the outbox, unenroll jobs signal a workflow's running and waiting enrollments (all of them, or one
 *   record's) to end, a page at a time (`workUnenrollJobs`), and every `reconcileMs` the automation workflow shards
 *   that have backfill work are started again if their run is gone (`restartBackfillShards`).
 * A row is marked delivered only once Temporal has accepted every call for it; while Temporal is unreachable it stays
 * and is retried with growing gaps. Redelivery is safe: automation workflows drop event ids they have seen, and an
 * enrollment's workflow id (workflow, record, event) or a retry's is never started twice.
 */
export function createRelay(deps: RelayDeps): Relay {
  const batchSize = deps.batchSize ?? 100;
  let running = false;
  let wake: (() => void) | undefined;
  /** Set when a NOTIFY arrives while a delivery is under way, so the next sleep is skipped. */
  let notified = false;
  let loop: Promise<void> | undefined;
  /** The LISTEN connection while it is up; `close` is safe to call more than once and from any path. */
  let listener: { close(error?: Error): void } | undefined;

  async function deliverPending(): Promise<number> {
    let delivered = 0;
    for (;;) {
      let failure: { id: string; error: unknown } | undefined;
      const count = await inTransaction(deps.pool, async (db) => {
        const rows = await lockPendingEvents(db, batchSize);
        const round = new DeliveryRound();
        const done: string[] = [];
        /** Sends the round's signals; its rows are delivered once they are all accepted. */
        const flush = async () => {
          await round.send();
          done.push(...round.rowIds.splice(0));
        };
        for (const row of rows) {
          try {
            await deliver(db, row, round, flush);
          } catch (error) {
            // Keep order: stop at the first row that cannot be delivered; it is retried first next time.
            failure = { id: row.id, error };
            break;
          }
        }
        try {
          await flush();
        } catch (error) {
          failure ??= { id: round.rowIds[0]!, error };
        }
        if (done.length > 0) await markDelivered(db, done);
        return rows.length;
      });
      if (failure) {
        await recordDeliveryFailure(deps.pool, failure.id, String(failure.error));
        throw failure.error;
      }
      delivered += count;
      if (count < batchSize) return delivered;
    }
  }

  /** The events of one delivery round, by automation workflow shard, in the order they happened. */
  class DeliveryRound {
    readonly rowIds: string[] = [];
    private readonly batches = new Map<string, { workflowId: string; shard: number; events: EnrollingEvent[] }>();

    add(workflowId: string, shard: number, event: EnrollingEvent): void {
      const id = automationWorkflowId(workflowId, shard);
      const batch = this.batches.get(id) ?? { workflowId, shard, events: [] };
      batch.events.push(event);
      this.batches.set(id, batch);
    }

    /** Signals every shard its batch; the batches are kept until all are accepted (a resend is harmless). */
    async send(): Promise<void> {
      await inBatches([...this.batches.entries()], PARALLEL_CALLS, ([id, { workflowId, shard, events }]) =>
        withDeadline(deps.temporal, CALL_TIMEOUT_MS, () =>
          deps.temporal.workflow.signalWithStart<typeof automationWorkflow, [EnrollingEvent[]]>('automationWorkflow', {
            workflowId: id,
            taskQueue: deps.taskQueue,
            args: [{ workflowId, shard }],
            signal: eventsSignal,
            signalArgs: [events],
          }),
        ),
      );
      this.batches.clear();
    }
  }

  async function deliver(db: PoolClient, row: OutboxRow, round: DeliveryRound, flush: () => Promise<void>) {
    switch (row.type) {
      case EventTypes.stageEntered:
        await unenrollLeftBehind(db, row.payload);
        await unenrollGoalsMet(db, row.payload);
        await route(db, round, row.payload, { type: 'stage_entered', stageId: row.payload.stageId });
        round.rowIds.push(row.id);
        return;
      case EventTypes.propertyChanged:
        await unenrollGoalsMet(db, row.payload);
        await route(db, round, row.payload, { type: 'property_changed', property: row.payload.property });
        round.rowIds.push(row.id);
        return;
      case EventTypes.ticketEmail:
        await route(db, round, row.payload, { type: 'ticket_email', on: row.payload.on });
        round.rowIds.push(row.id);
        return;
      case EventTypes.automationToggle:
        // Events before a toggle reach the automation workflows before it does.
        await flush();
        await toggle(db, row.payload);
        round.rowIds.push(row.id);
        return;
      case EventTypes.enrollmentStart: {
        const { enrollment, pipelineId } = row.payload;
        await withDeadline(deps.temporal, CALL_TIMEOUT_MS, () =>
          startEnrollmentWorkflow(deps.temporal, { input: enrollment, pipelineId, taskQueue: deps.taskQueue }),
        );
        round.rowIds.push(row.id);
        return;
      }
      case EventTypes.actionRetry:
        await withDeadline(deps.temporal, CALL_TIMEOUT_MS, () => startActionRetry(row.payload));
        round.rowIds.push(row.id);
        return;
    }
  }

  /**
   * Works one page of each pending unenroll job (`unenroll_jobs`), outside the outbox's order: a job
   * holds up neither the events behind it nor the other jobs; a failed page is tried again next round, from the
   * job's place. Returns whether a job has more pages, so the loop comes back at once.
   */
  async function workUnenrollJobs(): Promise<boolean> {
    let more = false;
    for (const job of await listPendingUnenrollJobs(deps.pool, batchSize)) {
      try {
        const page = await listUnenrollPage(deps.pool, job, batchSize);
        await inBatches(page, PARALLEL_CALLS, (enrollmentId) => unenroll(enrollmentId, job.reason));
        const done = page.length < batchSize;
        await advanceUnenrollJob(deps.pool, job.id, { afterId: page.at(-1), done });
        more ||= !done;
      } catch (error) {
        deps.log.warn({ err: error, job: job.id, workflowId: job.workflowId }, 'could not unenroll a page; will retry');
        await recordUnenrollJobFailure(deps.pool, job.id, String(error));
      }
    }
    return more;
  }

  /**
   * Starts again each automation workflow shard that has part of a running backfill of an enabled workflow and no
   * running run (someone terminated it, or it failed): nothing else would, as a backfill has no event of its own to
   * deliver. The new run looks for the backfill and goes on from its parts' counted places. A shard that runs already
   * is left alone (the start is refused: no signal, no history).
   */
  async function restartBackfillShards(): Promise<void> {
    for (const { workflowId, shards } of await listBackfillShards(deps.pool)) {
      await inBatches(shards, PARALLEL_CALLS, (shard) =>
        withDeadline(deps.temporal, CALL_TIMEOUT_MS, async () => {
          try {
            await deps.temporal.workflow.start<typeof automationWorkflow>('automationWorkflow', {
              workflowId: automationWorkflowId(workflowId, shard),
              taskQueue: deps.taskQueue,
              args: [{ workflowId, shard, backfill: {} }],
            });
            deps.log.info({ workflowId, shard }, 'started again an automation workflow with backfill work');
          } catch (error) {
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          }
        }),
      );
    }
  }

  /** Starts one retry's workflow; one started before (a redelivered row) counts as started. */
  async function startActionRetry(retry: ActionRetryInput): Promise<void> {
    try {
      await deps.temporal.workflow.start<typeof actionRetryWorkflow>('actionRetryWorkflow', {
        workflowId: actionRetryWorkflowId(retry),
        taskQueue: deps.taskQueue,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [retry],
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  /**
   * Adds the event to the round for each enabled workflow whose trigger it matches, and writes "not enrolled" for
   * each matching one that is off.
   */
  async function route(
    db: PoolClient,
    round: DeliveryRound,
    event: EnrollingEvent & { pipelineId: string },
    trigger: Trigger,
  ): Promise<void> {
    for (const workflow of await listTriggeredWorkflows(db, event.pipelineId, trigger)) {
      if (workflow.enabled) {
        const { eventId, recordId, depth, requestId } = event;
        round.add(workflow.id, shardOf(recordId, workflow.settings.shards), { eventId, recordId, depth, requestId });
        continue;
      }
      await appendTimeline(db, {
        recordId: event.recordId,
        kind: TimelineKinds.notEnrolled,
        workflowId: workflow.id,
        eventId: event.eventId,
        detail: notEnrolledDetail(workflow, offReason(workflow)),
        dedupeKey: `${event.eventId}:${workflow.id}:off`,
      });
    }
  }

  /** Makes the workflow's automation workflows match its row: its shards running while it is on, none otherwise. */
  async function toggle(db: PoolClient, { workflowId, shards }: AutomationToggleEvent): Promise<void> {
    const workflow = await getWorkflow(db, workflowId);
    const on = workflow?.enabled ? workflow.settings.shards : 0;
    const all = Array.from({ length: Math.max(shards, on) }, (_, shard) => shard);
    await inBatches(all, PARALLEL_CALLS, (shard) =>
      withDeadline(deps.temporal, CALL_TIMEOUT_MS, async () => {
        const id = automationWorkflowId(workflowId, shard);
        if (shard < on) {
          await deps.temporal.workflow.signalWithStart<typeof automationWorkflow, [{ on: boolean }]>(
            'automationWorkflow',
            {
              workflowId: id,
              taskQueue: deps.taskQueue,
              args: [{ workflowId, shard }],
              signal: switchSignal,
              signalArgs: [{ on: true }],
            },
          );
          return;
        }
        try {
          await deps.temporal.workflow.getHandle(id).signal(switchSignal, { on: false });
        } catch (error) {
          // A shard that is not running is off already.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }),
    );
  }

  /** A record that leaves a stage leaves the enrollments of workflows triggered by it (unless they say otherwise). */
  async function unenrollLeftBehind(db: PoolClient, event: StageEnteredEvent): Promise<void> {
    for (const enrollment of await listEnrollmentsLeftBehind(db, event.recordId, event.stageId)) {
      if (enrollment.id === event.causedByEnrollmentId) continue;
      await unenroll(enrollment.id, `the record left stage "${enrollment.stageId}" (moved to "${event.stageId}")`);
    }
  }

  /**
   * A record that changed ends its running and waiting enrollments in workflows whose goal it meets now (the
   * enrollment that made the change checks its own goal before its next step).
   */
  async function unenrollGoalsMet(db: PoolClient, event: StageEnteredEvent | PropertyChangedEvent): Promise<void> {
    const enrollments = await listEnrollmentsWithGoal(db, event.recordId);
    if (enrollments.length === 0) return;
    const record = await getRecord(db, event.recordId);
    if (!record) return;
    for (const enrollment of enrollments) {
      if (enrollment.id === event.causedByEnrollmentId || !goalMet(enrollment, record)) continue;
      await unenroll(enrollment.id, GOAL_MET_REASON);
    }
  }

  async function unenroll(enrollmentId: string, reason: string): Promise<void> {
    try {
      await withDeadline(deps.temporal, CALL_TIMEOUT_MS, () =>
        deps.temporal.workflow.getHandle(enrollmentId).signal(unenrollSignal, { reason }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // Finished already (then this is a no-op), or recorded and not started yet: it must not start and run.
      await cancelUnstartedEnrollment(deps.pool, enrollmentId, reason);
    }
  }

  /**
   * LISTENs on a connection of its own, so that a new outbox row wakes the loop at once; called before every delivery
   * round, so a connection lost with PostgreSQL is made again once it is back (polling covers the gap).
   */
  async function listen(): Promise<void> {
    if (listener) return;
    const connection = await deps.pool.connect();
    connection.on('notification', () => {
      notified = true;
      wake?.();
    });
    let closed = false;
    const current = {
      close(error?: Error) {
        if (closed) return;
        closed = true;
        if (listener === current) listener = undefined;
        // Destroyed, never returned to the pool: a pooled connection must not stay LISTENing.
        connection.release(error ?? true);
      },
    };
    connection.on('error', (error) => {
      if (running) deps.log.warn({ err: error }, 'relay lost its LISTEN connection; polling until it is made again');
      current.close(error);
    });
    try {
      await connection.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      current.close(error as Error);
      throw error;
    }
    listener = current;
  }

  let reconciledAt = 0;
  async function reconcile(): Promise<void> {
    if (Date.now() - reconciledAt < (deps.reconcileMs ?? RECONCILE_MS)) return;
    reconciledAt = Date.now();
    try {
      await restartBackfillShards();
    } catch (error) {
      // Tried again at the next pass; deliveries go on meanwhile.
      deps.log.warn({ err: error }, 'could not start again the automation workflows of running backfills');
    }
  }

  async function run(): Promise<void> {
    let backoff = deps.pollMs;
    while (running) {
      try {
        await listen();
        await deliverPending();
        if (await workUnenrollJobs()) notified = true;
        await reconcile();
        backoff = deps.pollMs;
        await sleepUntilWoken(deps.pollMs);
      } catch (error) {
        deps.log.warn({ err: error, retryInMs: backoff }, 'relay could not deliver events; will retry');
        await sleepUntilWoken(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  function sleepUntilWoken(ms: number): Promise<void> {
    if (!running) return Promise.resolve();
    if (notified) {
      notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        notified = false;
        resolve();
      }
      wake = done;
    });
  }

  return {
    deliverPending,
    start() {
      running = true;
      loop = run();
      return Promise.resolve();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      listener?.close();
    },
  };
}
