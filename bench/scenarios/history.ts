import { automationWorkflowId } from '../../src/domain/events';
import { createRecords, moveAll, setUpAutomation, waitForEnrollments } from '../lib/pipewright';
import type { Scenario } from '../lib/scenario';
import { perSecond } from '../lib/stats';

/**
 * Scenario 6b: the automation workflow of one enabled workflow takes many events; its history must stay bounded
 * (continue-as-new) however many arrive.
 */
export const history: Scenario = {
  name: 'history',
  title: 'Growth: automation-workflow history over many events',
  method:
    'Records moved into the stage of one workflow (a single set_property); afterwards every run of its automation ' +
    'workflow is listed with its history length. Bounded = the longest run stays far below Temporal’s 50k-event limit.',
  byDefault: true,
  repeats: 1,
  targets: [{ figure: 'longest_run_history_events', atMost: 10_000 }],
  async run({ stack, size }) {
    const events = size(20_000, 30);
    const automation = await setUpAutomation(stack.api, {
      actions: [{ id: 'flag', type: 'set_property', config: { property: 'seen', value: 'yes' } }],
    });
    const records = await createRecords(stack.api, automation.pipelineId, events);
    const started = Date.now();
    await moveAll(stack.api, records, 20);
    const drained = await waitForEnrollments(stack.pool, automation.workflowIds, events);
    const automationId = automationWorkflowId(automation.workflowIds[0]!);
    const lengths: number[] = [];
    for await (const run of stack.temporal.workflow.list({ query: `WorkflowId = "${automationId}"` })) {
      lengths.push((await stack.temporal.workflow.getHandle(automationId, run.runId).describe()).historyLength);
    }
    return {
      events,
      enrollments_per_s: perSecond(drained.completed, drained.lastEndedAt - started),
      automation_runs: lengths.length,
      longest_run_history_events: Math.max(...lengths),
      lost: events - drained.completed,
    };
  },
};
