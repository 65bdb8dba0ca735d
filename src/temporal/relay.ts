import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool, PoolClient } from 'pg';
import {
  type EnrollingEvent,
  enrollmentInput,
  EventTypes,
  type StageEnteredEvent,
  type TicketEmailEvent,
  TimelineKinds,
  type Workflow,
} from '../domain';
import { offLineDetail } from '../domain/ticket-status-automation';
import { listActiveEnrollmentIds, listEnrollmentsLeftBehind } from '../db/enrollments';
import { lockPendingEvents, markDelivered, OUTBOX_CHANNEL, type OutboxRow, recordDeliveryFailure } from '../db/outbox';
import { inTransaction } from '../db/pool';
import { appendTimeline } from '../db/timeline';
import { withDeadline } from './client';
import { listTriggeredWorkflows } from '../db/workflows';
import type { Logger } from '../log';
import { enrollmentWorkflow } from '../../workflows/enrollment';
import { unenrollSignal } from '../../workflows/signals';

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
const CALL_TIMEOUT_MS = 5_000;

/**
 * Moves outbox rows to Temporal, oldest first.
 * - A stage entry or a ticket email starts an enrollment workflow in every enabled workflow whose trigger matches,
 *   and writes "not enrolled: the workflow is off" for each matching workflow that is off. A stage entry also
 *   unenrolls the record from workflows of the stage it left (when they unenroll on exit).
 * - An "unenroll workflow" row signals every running or waiting enrollment of that workflow to end.
 * A row is marked delivered only after every call for it succeeded; while Temporal is unreachable it stays and is
 * retried with growing gaps. Redelivery is safe: an enrollment's workflow id is made of the workflow, the record and
 * the event, and Temporal starts no second workflow with an id it has seen; a second unenroll signal changes nothing.
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
    await enrollInEnabled(db, workflows, event);
  }

  async function deliverTicketEmail(db: PoolClient, event: TicketEmailEvent): Promise<void> {
    const workflows = await listTriggeredWorkflows(db, event.pipelineId, { type: 'ticket_email', on: event.on });
    await enrollInEnabled(db, workflows, event);
  }

  /**
   * Starts the enrollment of the record in each enabled workflow, all at once, and writes "not enrolled: the
   * workflow is off" for each one that is off. (Whether the record is enrolled is decided by the enrollment's first
   * step, against the definition as it is then.)
   */
  async function enrollInEnabled(db: PoolClient, workflows: Workflow[], event: EnrollingEvent): Promise<void> {
    for (const workflow of workflows.filter((candidate) => !candidate.enabled)) {
      await appendTimeline(db, {
        recordId: event.recordId,
        kind: TimelineKinds.notEnrolled,
        workflowId: workflow.id,
        eventId: event.eventId,
        detail: offLineDetail(workflow),
        dedupeKey: `${event.eventId}:${workflow.id}:off`,
      });
    }
    await Promise.all(
      workflows.filter((candidate) => candidate.enabled).map((workflow) => startEnrollment(workflow.id, event)),
    );
  }

  /**
   * Starts one enrollment as a workflow of its own, without a parent: a long-lived parent would collect an event per
   * child start and completion, and Temporal cannot close (continue as new) a run while such events keep arriving.
   */
  async function startEnrollment(workflowId: string, event: EnrollingEvent): Promise<void> {
    const input = enrollmentInput(workflowId, event);
    try {
      await withDeadline(deps.temporal, CALL_TIMEOUT_MS, () =>
        deps.temporal.workflow.start(enrollmentWorkflow, {
          workflowId: input.enrollmentId,
          taskQueue: deps.taskQueue,
          // The same event never enrolls twice, even after an earlier enrollment for it has finished.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [input],
        }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
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
      await withDeadline(deps.temporal, CALL_TIMEOUT_MS, () =>
        deps.temporal.workflow.getHandle(enrollmentId).signal(unenrollSignal, { reason }),
      );
    } catch (error) {
      // An enrollment that has just finished cannot be unenrolled; nothing is lost.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
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

  async function run(): Promise<void> {
    let backoff = deps.pollMs;
    while (running) {
      try {
        await listen();
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
