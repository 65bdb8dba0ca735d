import type { Pool } from '../../src/db/pool';
import { bareOneAtATime, startBareWorker } from '../lib/bare';
import { openLoop, waitUntil } from '../lib/load';
import {
  burstRate,
  createRecords,
  moveToTrigger,
  setUpAutomation,
  TASK_AND_PROPERTY,
  taskTimes,
  waitForEnrollments,
} from '../lib/pipewright';
import type { Figures, Scenario, ScenarioContext } from '../lib/scenario';
import { percentiles, round } from '../lib/stats';

const LOAD_LEVELS = [25, 50, 90];

/**
 * Scenario 3: from the 2xx of a stage change to the task row committed, one at a time and at 25, 50 and 90 % of the
 * peak measured in the same repeat; bare one-at-a-time latency (start to result) beside it.
 */
export const latency: Scenario = {
  name: 'latency',
  title: 'Latency: stage change to task row',
  method:
    'Latency is the task row’s commit time (PostgreSQL clock) minus the time the client got the 2xx of the PATCH. ' +
    'One at a time first, then the peak (closed loop, 20 in flight), then open-loop arrivals at 25/50/90 % of it ' +
    'for ~20 s each. Bare: workflow start to result, one at a time.',
  byDefault: true,
  targets: [
    { figure: 'one_at_a_time_ratio_to_bare', atMost: 1.3 },
    { figure: 'at_50pct_p99_ms', atMost: 1000 },
  ],
  setUp: ({ stack }) => startBareWorker(stack),
  async run(context) {
    const { stack, size } = context;
    const bare = await bareOneAtATime(stack.temporal, size(30, 3));
    const automation = await setUpAutomation(stack.api, { actions: TASK_AND_PROPERTY });
    const figures: Figures = { bare_one_at_a_time_p50_ms: bare.p50 };

    const single = await createRecords(stack.api, automation.pipelineId, size(30, 3));
    const samples: number[] = [];
    for (const recordId of single) {
      const ack = await moveToTrigger(stack.api, recordId);
      samples.push((await taskCreatedAt(stack.pool, recordId)) - ack.at);
    }
    const one = percentiles(samples);
    figures.one_at_a_time_p50_ms = one.p50;
    figures.one_at_a_time_p99_ms = one.p99;
    figures.one_at_a_time_ratio_to_bare = round(one.p50 / bare.p50);

    const peak = await burstRate(stack.api, stack.pool, { changes: size(400, 10), label: 'peak' });
    figures.peak_enrollments_per_s = peak;
    for (const level of LOAD_LEVELS) {
      const rate = (peak * level) / 100;
      const result = await underLoad(context, rate, size(Math.round(rate * 20), 10));
      figures[`at_${level}pct_p50_ms`] = result.p50;
      figures[`at_${level}pct_p95_ms`] = result.p95;
      figures[`at_${level}pct_p99_ms`] = result.p99;
    }
    return figures;
  },
};

/** Moves `count` fresh records at `rate` per second in an open loop; latency percentiles to their task rows. */
async function underLoad(context: ScenarioContext, rate: number, count: number) {
  const { stack } = context;
  const automation = await setUpAutomation(stack.api, { actions: TASK_AND_PROPERTY });
  const records = await createRecords(stack.api, automation.pipelineId, count);
  const acks = await openLoop(records, rate, (recordId) => moveToTrigger(stack.api, recordId));
  await waitForEnrollments(stack.pool, automation.workflowIds, count, { label: `${Math.round(rate)}/s` });
  const tasks = await taskTimes(stack.pool, automation.workflowIds);
  return percentiles(records.map((recordId, index) => tasks.get(recordId)! - acks[index]!.at));
}

async function taskCreatedAt(pool: Pool, recordId: string): Promise<number> {
  return waitUntil(
    `the task of ${recordId}`,
    async () => {
      const { rows } = await pool.query<{ created_at: Date }>('SELECT created_at FROM tasks WHERE record_id = $1', [
        recordId,
      ]);
      return rows[0]?.created_at.getTime();
    },
    { timeoutMs: 60_000, everyMs: 5 },
  );
}
