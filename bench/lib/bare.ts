import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { bareWorkflow } from '../bare/workflows';
import { closedLoop, waitUntil } from './load';
import { Progress } from './progress';
import type { BenchStack } from './stack';
import { type Percentiles, percentiles, perSecond } from './stats';

export const BARE_TASK_QUEUE = 'bare';

/** Starts the bare baseline's worker process on the stack. */
export async function startBareWorker(stack: BenchStack): Promise<void> {
  await stack.startProcess({
    name: 'bare-worker',
    entry: 'bench/bare/worker.ts',
    env: { BARE_TASK_QUEUE },
    readyText: 'bare worker running',
  });
}

/**
 * Bare throughput: starts `count` workflows (`concurrency` start calls in flight) and waits for all to complete;
 * completed workflows per second from the first start to the last close time the server recorded.
 */
export async function bareThroughput(
  temporal: Client,
  options: { count: number; concurrency: number },
): Promise<{ perSecond: number; ms: number }> {
  const run = `bare-${randomUUID().slice(0, 8)}`;
  const progress = new Progress('bare', options.count);
  const started = Date.now();
  await closedLoop(
    Array.from({ length: options.count }, (_, index) => `${run}-${index}`),
    options.concurrency,
    async (workflowId) => {
      await temporal.workflow.start(bareWorkflow, { taskQueue: BARE_TASK_QUEUE, workflowId });
    },
  );
  const completed = `WorkflowId STARTS_WITH "${run}-" AND ExecutionStatus = "Completed"`;
  await waitUntil(
    'the bare workflows to complete',
    async () => {
      const { count } = await temporal.workflow.count(completed);
      progress.set(count);
      return count >= options.count ? count : undefined;
    },
    { timeoutMs: 600_000, everyMs: 500 },
  );
  progress.finish();
  let lastClose = started;
  for await (const execution of temporal.workflow.list({ query: completed })) {
    lastClose = Math.max(lastClose, execution.closeTime?.getTime() ?? 0);
  }
  const ms = lastClose - started;
  return { perSecond: perSecond(options.count, ms), ms };
}

/** Bare latency one at a time: from starting a workflow to having its result, `count` times in a row. */
export async function bareOneAtATime(temporal: Client, count: number): Promise<Percentiles> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await temporal.workflow.execute(bareWorkflow, {
      taskQueue: BARE_TASK_QUEUE,
      workflowId: `bare-latency-${randomUUID()}`,
    });
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}
