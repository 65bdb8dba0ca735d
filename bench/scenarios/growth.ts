import { burstRate } from '../lib/pipewright';
import type { Figures, Scenario, ScenarioContext } from '../lib/scenario';

const FAN_OUT = [1, 10, 100];

/** Scenario 6a: enrollments per second as enabled workflows per pipeline and worker processes grow. */
export const growth: Scenario = {
  name: 'growth',
  title: 'Growth: workflows per pipeline, worker processes',
  method:
    'The same number of enrollments (task + property) made by moving records into a stage that 1, 10 or 100 ' +
    'enabled workflows watch (so 1/10/100 enrollments per stage change); then 1 workflow with 1 and with 2 worker ' +
    'processes. Completed enrollments per second, 20 requests in flight.',
  byDefault: true,
  targets: [],
  async run(context) {
    const figures: Figures = {};
    for (const workflows of FAN_OUT) {
      figures[`workflows_${workflows}_enrollments_per_s`] = await enrollmentRate(context, workflows);
    }
    figures.workers_1_enrollments_per_s = await enrollmentRate(context, 1);
    await context.stack.scaleWorkers(2);
    try {
      figures.workers_2_enrollments_per_s = await enrollmentRate(context, 1);
    } finally {
      await context.stack.scaleWorkers(1);
    }
    return figures;
  },
};

function enrollmentRate({ stack, size }: ScenarioContext, workflows: number): Promise<number> {
  const changes = Math.max(1, Math.round(size(1000, workflows) / workflows));
  return burstRate(stack.api, stack.pool, { changes, workflows, label: `${workflows} workflow(s)` });
}
