import { sleep } from '../lib/load';
import { burstRate, createRecords, moveAll, setUpAutomation, taskTimes, waitForEnrollments } from '../lib/pipewright';
import type { Scenario } from '../lib/scenario';
import { percentiles, perSecond, round } from '../lib/stats';

/**
 * Scenario 5: many enrollments parked in a delay that ends at one moment: worker memory while they wait, and how
 * late their next action runs after the moment.
 */
export const parked: Scenario = {
  name: 'parked',
  title: 'Parked enrollments',
  method:
    'Records moved into a workflow whose first action is a delay until one fixed moment, then create_task. The ' +
    'moment is set from an enrollment rate measured just before, so that every enrollment is parked before it. ' +
    'Worker RSS/heap read from its /metrics while all wait (max of 5 reads) and during the wake; lateness = task ' +
    'row time minus the moment.',
  byDefault: true,
  targets: [
    { figure: 'parked_rss_mib', atMost: 512 },
    { figure: 'lateness_p99_ms', atMost: 1000 },
  ],
  async run(context) {
    const { stack, size, say } = context;
    const count = size(10_000, 20);
    // How fast enrollments go here and now, to know how long parking them will take.
    const rate = await burstRate(stack.api, stack.pool, { changes: size(300, 10), label: 'probe' });
    const moment = Date.now() + Math.round((count / rate) * 1.5 * 1000) + size(30_000, 3_000);
    say(`  parking ${count} enrollments until ${new Date(moment).toISOString()} (probe: ${rate}/s)`);
    const automation = await setUpAutomation(stack.api, {
      actions: [
        { id: 'wait', type: 'delay', config: { until: { date: new Date(moment).toISOString() } } },
        { id: 'task', type: 'create_task', config: { title: 'Woke {{record.id}}' } },
      ],
    });
    const ids = await createRecords(stack.api, automation.pipelineId, count);
    await moveAll(stack.api, ids, 20, 'park');
    const waiting = await waitForEnrollments(stack.pool, automation.workflowIds, count, {
      status: 'waiting',
      label: 'parked',
    });
    const parkedMemory = [];
    for (let read = 0; read < 5; read += 1) {
      parkedMemory.push(...(await stack.workerMemory()));
      await sleep(1000);
    }
    const wakeMemory = [];
    while (Date.now() < moment) await sleep(Math.min(1000, moment - Date.now()));
    let woken = false;
    const drained = waitForEnrollments(stack.pool, automation.workflowIds, count, { label: 'woken' }).finally(() => {
      woken = true;
    });
    while (!woken) {
      wakeMemory.push(...(await stack.workerMemory()));
      await sleep(1000);
    }
    const done = await drained;
    const tasks = await taskTimes(stack.pool, automation.workflowIds);
    const lateness = percentiles(ids.flatMap((id) => (tasks.has(id) ? [tasks.get(id)! - moment] : [])));
    return {
      parked: waiting.completed,
      parked_rss_mib: round(Math.max(...parkedMemory.map((memory) => memory.rssMiB))),
      parked_heap_mib: round(Math.max(...parkedMemory.map((memory) => memory.heapUsedMiB))),
      waking_rss_mib: round(Math.max(...wakeMemory.map((memory) => memory.rssMiB))),
      lateness_p50_ms: lateness.p50,
      lateness_p99_ms: lateness.p99,
      woken_per_s: perSecond(done.completed, done.lastEndedAt - moment),
      lost: count - done.completed,
    };
  },
};
