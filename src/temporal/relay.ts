import { type Client, type SignalDefinition, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool, PoolClient } from 'pg';
import {
  automationWorkflowId,
  type EnrollingEvent,
  EventTypes,
  type StageEnteredEvent,
  type TicketEmailEvent,
  TimelineKinds,
  type Workflow,
} from '../domain';
import { listActiveEnrollmentIds, listEnrollmentsLeftBehind } from '../db/enrollments';
import { lockPendingEvents, markDelivered, OUTBOX_CHANNEL, type OutboxRow, recordDeliveryFailure } from '../db/outbox';
import { inTransaction } from '../db/pool';
import { appendTimeline } from '../db/timeline';
import { withDeadline } from './client';
import { listTriggeredWorkflows } from '../db/workflows';
import type { Logger } from '../log';
import { automationWorkflow } from '../../workflows/automation';
import { stageEnteredSignal, ticketEmailSignal, unenrollSignal } from '../../workflows/signals';

export interface RelayDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  /** Poll interval when no NOTIFY arrives; also the first retry delay after a failure. */
  pollMs: number;
  batchSize?: number;
}

export interface Relay {
  /** Delivers what is pending now; resolves with the number of events delivered. */
  deliverPending(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;
const SIGNAL_TIMEOUT_MS = 5_000;

/**
 * Moves outbox rows to Temporal, oldest first.
 * - A stage entry or a ticket email signals (signalWithStart) the automation workflow of every enabled workflow
 *   whose trigger matches, and writes "not enrolled: the workflow is off" for each matching workflow that is off.
 *   A stage entry also unenrolls the record from workflows of the stage it left (when they unenroll on exit).
 * - An "unenroll workflow" row signals every running or waiting enrollment of that workflow to end.
 * A row is marked delivered only after every call for it succeeded; while Temporal is unreachable it stays and is
 * retried with growing gaps. Redelivery is safe: automation workflows drop event ids they have seen, and a second
 * unenroll signal changes nothing.
 */
export function createRelay(deps: RelayDeps): Relay {
  const batchSize = deps.batchSize ?? 100;
  let running = false;
  let wake: (() => void) | undefined;
  /** Set when a NOTIFY arrives while a delivery is under way, so the next sleep is skipped. */
  let notified = false;
  let loop: Promise<void> | undefined;
  let listener: PoolClient | undefined;

  async function deliverPending(): Promise<number> {
    let delivered = 0;
    for (;;) {
      let failure: { id: string; error: unknown } | undefined;
      const count = await inTransaction(deps.pool, async (db) => {
        const events = await lockPendingEvents(db, batchSize);
        const done: string[] = [];
        for (const event of events) {
          try {
            await deliver(db, event);
            done.push(event.id);
          } catch (error) {
            // Keep order: stop at the first event that cannot be delivered; it is retried first next time.
            failure = { id: event.id, error };
            break;
          }
        }
        if (done.length > 0) await markDelivered(db, done);
        return events.length;
      });
      if (failure) {
        await recordDeliveryFailure(deps.pool, failure.id, String(failure.error));
        throw failure.error;
      }
      delivered += count;
      if (count < batchSize) return delivered;
    }
  }

  async function deliver(db: PoolClient, event: OutboxRow): Promise<void> {
    switch (event.type) {
      case EventTypes.stageEntered:
        await unenrollLeftBehind(db, event.payload);
        return deliverStageEntered(db, event.payload);
      case EventTypes.ticketEmail:
        return deliverTicketEmail(db, event.payload);
      case EventTypes.unenrollWorkflow:
        for (const enrollmentId of await listActiveEnrollmentIds(db, event.payload.workflowId)) {
          await unenroll(enrollmentId, event.payload.reason);
        }
    }
  }

  async function deliverStageEntered(db: PoolClient, event: StageEnteredEvent): Promise<void> {
    const workflows = await listTriggeredWorkflows(db, event.pipelineId, {
      type: 'stage_entered',
      stageId: event.stageId,
    });
    await signalEnabled(db, workflows, event, stageEnteredSignal);
  }

  async function deliverTicketEmail(db: PoolClient, event: TicketEmailEvent): Promise<void> {
    const workflows = await listTriggeredWorkflows(db, event.pipelineId, { type: 'ticket_email', on: event.on });
    await signalEnabled(db, workflows, event, ticketEmailSignal);
  }

  /**
   * Signals (signalWithStart) the automation workflow of each enabled workflow, and writes "not enrolled: the
   * workflow is off" for each one that is off.
   */
  async function signalEnabled<E extends EnrollingEvent>(
    db: PoolClient,
    workflows: Workflow[],
    event: E,
    signal: SignalDefinition<[E]>,
  ): Promise<void> {
    for (const workflow of workflows) {
      if (!workflow.enabled) {
        await appendTimeline(db, {
          recordId: event.recordId,
          kind: TimelineKinds.notEnrolled,
          workflowId: workflow.id,
          eventId: event.eventId,
          detail: `not enrolled in "${workflow.name}": the workflow is off`,
          dedupeKey: `${event.eventId}:${workflow.id}:off`,
        });
        continue;
      }
      await withDeadline(deps.temporal, SIGNAL_TIMEOUT_MS, () =>
        deps.temporal.workflow.signalWithStart(automationWorkflow, {
          workflowId: automationWorkflowId(workflow.id),
          taskQueue: deps.taskQueue,
          args: [{ workflowId: workflow.id }],
          signal,
          signalArgs: [event],
        }),
      );
    }
  }

  /** A record that leaves a stage leaves the enrollments of workflows triggered by it (unless they say otherwise). */
  async function unenrollLeftBehind(db: PoolClient, event: StageEnteredEvent): Promise<void> {
    for (const enrollment of await listEnrollmentsLeftBehind(db, event.recordId, event.stageId)) {
      if (enrollment.id === event.causedByEnrollmentId) continue;
      await unenroll(enrollment.id, `the record left stage "${enrollment.stageId}" (moved to "${event.stageId}")`);
    }
  }

  async function unenroll(enrollmentId: string, reason: string): Promise<void> {
    try {
      await withDeadline(deps.temporal, SIGNAL_TIMEOUT_MS, () =>
        deps.temporal.workflow.getHandle(enrollmentId).signal(unenrollSignal, { reason }),
      );
    } catch (error) {
      // An enrollment that has just finished cannot be unenrolled; nothing is lost.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }

  async function run(): Promise<void> {
    let backoff = deps.pollMs;
    while (running) {
      try {
        await deliverPending();
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
    async start() {
      running = true;
      listener = await deps.pool.connect();
      listener.on('notification', () => {
        notified = true;
        wake?.();
      });
      listener.on('error', (error) => deps.log.warn({ err: error }, 'relay lost its LISTEN connection; polling only'));
      await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      const connection = listener;
      listener = undefined;
      if (connection) {
        await connection.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => undefined);
        connection.release();
      }
    },
  };
}
