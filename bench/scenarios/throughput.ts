import { bareThroughput, startBareWorker } from '../lib/bare';
import { createRecords, moveAll, setUpAutomation, TASK_AND_PROPERTY, waitForEnrollments } from '../lib/pipewright';
import type { Scenario } from '../lib/scenario';
import { perSecond, round } from '../lib/stats';

const CONCURRENCY = 20;

/** Scenario 2: enrollments per second of a task + property automation, against the bare baseline in the same run. */
export const throughput: Scenario = {
  name: 'throughput',
  title: 'Stage automation throughput',
  method:
    `A workflow with create_task + set_property on entering a stage; records moved by PATCH with ${CONCURRENCY} ` +
    'requests in flight; completed enrollments per second from the first request to the last enrollment ended. ' +
    'The bare baseline runs the same count at the same concurrency first, in the same run.',
  byDefault: true,
  targets: [{ figure: 'ratio_to_bare', atLeast: 0.8 }],
  setUp: ({ stack }) => startBareWorker(stack),
  async run({ stack, size }) {
    const count = size(2000, 20);
    const bare = await bareThroughput(stack.temporal, { count, concurrency: CONCURRENCY });
    const automation = await setUpAutomation(stack.api, { actions: TASK_AND_PROPERTY });
    const records = await createRecords(stack.api, automation.pipelineId, count);
    const started = Date.now();
    await moveAll(stack.api, records, CONCURRENCY);
    const accepted = Date.now();
    const drained = await waitForEnrollments(stack.pool, automation.workflowIds, count);
    const enrollmentsPerSecond = perSecond(drained.completed, drained.lastEndedAt - started);
    return {
      enrollments_per_s: enrollmentsPerSecond,
      bare_workflows_per_s: bare.perSecond,
      ratio_to_bare: round(enrollmentsPerSecond / bare.perSecond),
      accepted_per_s: perSecond(count, accepted - started),
      lost: count - drained.completed,
    };
  },
};
