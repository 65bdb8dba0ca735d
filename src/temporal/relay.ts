import type { Client } from '@temporalio/client';
import type { Pool, PoolClient } from 'pg';
import { automationWorkflowId, type StageEnteredEvent, TimelineKinds } from '../domain';
import { lockPendingEvents, markDelivered, OUTBOX_CHANNEL, recordDeliveryFailure } from '../db/outbox';
import { inTransaction } from '../db/pool';
import { appendTimeline } from '../db/timeline';
import { withDeadline } from './client';
import { listStageWorkflows } from '../db/workflows';
import type { Logger } from '../log';
import { automationWorkflow } from '../../workflows/automation';
import { stageEnteredSignal } from '../../workflows/signals';

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
 * Moves outbox rows to Temporal. For each stage-entry event it signals (signalWithStart) the automation workflow
 * of every enabled workflow whose trigger matches, and writes "not enrolled: the workflow is off" to the timeline
 * for each matching workflow that is off. A row is marked delivered only after every signal was accepted; if
 * Temporal is unreachable the row stays and is retried with growing gaps. Redelivery is safe: automation
 * workflows drop event ids they have seen.
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
            await deliver(db, event.payload);
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

  async function deliver(db: PoolClient, event: StageEnteredEvent): Promise<void> {
    const workflows = await listStageWorkflows(db, event.pipelineId, event.stageId);
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
      // A deadline, so that an unreachable Temporal fails the attempt instead of holding the batch.
      await withDeadline(deps.temporal, SIGNAL_TIMEOUT_MS, () =>
        deps.temporal.workflow.signalWithStart(automationWorkflow, {
          workflowId: automationWorkflowId(workflow.id),
          taskQueue: deps.taskQueue,
          args: [{ workflowId: workflow.id }],
          signal: stageEnteredSignal,
          signalArgs: [event],
        }),
      );
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
