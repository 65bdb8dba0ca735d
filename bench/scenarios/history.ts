import { createRecords, moveAll, setUpAutomation, waitForEnrollments } from '../lib/pipewright';
import type { Scenario } from '../lib/scenario';
import { perSecond } from '../lib/stats';

/**
 * Scenario 6b: one enabled workflow takes many events; no workflow's history may grow with their number. (Each
 * enrollment is a workflow of its own, started by the relay; no long-lived workflow collects an event per enrollment.)
 */
export const history: Scenario = {
  name: 'history',
  title: 'Growth: workflow histories over many events',
  method:
    'Records moved into the stage of one workflow (a single set_property); afterwards every Temporal workflow started ' +
    'during the run is listed with its history length. Bounded = the longest history does not grow with the number ' +
    'of events and stays far below Temporal’s 50k-event limit.',
  byDefault: true,
  repeats: 1,
  targets: [{ figure: 'longest_history_events', atMost: 10_000 }],
  async run({ stack, size }) {
    const events = size(20_000, 30);
    const automation = await setUpAutomation(stack.api, {
      actions: [{ id: 'flag', type: 'set_property', config: { property: 'seen', value: 'yes' } }],
    });
    const records = await createRecords(stack.api, automation.pipelineId, events);
    const started = Date.now();
    await moveAll(stack.api, records, 20);
    const drained = await waitForEnrollments(stack.pool, automation.workflowIds, events);
    const lengths: number[] = [];
    const query = `StartTime >= "${new Date(started).toISOString()}"`;
    for await (const execution of stack.temporal.workflow.list({ query })) lengths.push(execution.historyLength);
    return {
      events,
      enrollments_per_s: perSecond(drained.completed, drained.lastEndedAt - started),
      workflows_started: lengths.length,
      longest_history_events: Math.max(...lengths),
      lost: events - drained.completed,
    };
  },
};
