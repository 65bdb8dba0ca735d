import { bareOneAtATime, bareThroughput, startBareWorker } from '../lib/bare';
import type { Scenario } from '../lib/scenario';

/** Scenario 1: Temporal alone, one workflow and one no-op activity per event. The limit. */
export const bare: Scenario = {
  name: 'bare',
  title: 'Bare Temporal baseline',
  method:
    'One workflow + one no-op activity per event on the same dev server, its own worker process with default ' +
    'settings. Throughput: 20 start calls in flight, from the first start to the last close time; latency: start to ' +
    'result, one at a time.',
  byDefault: true,
  targets: [],
  setUp: ({ stack }) => startBareWorker(stack),
  async run({ stack, size }) {
    const throughput = await bareThroughput(stack.temporal, { count: size(2000, 20), concurrency: 20 });
    const latency = await bareOneAtATime(stack.temporal, size(50, 5));
    return {
      workflows_per_s: throughput.perSecond,
      one_at_a_time_p50_ms: latency.p50,
      one_at_a_time_p99_ms: latency.p99,
    };
  },
};
