import type { Client } from '@temporalio/client';
import { createRecords, moveAll, setUpAutomation, waitForEnrollments } from '../lib/pipewright';
import type { Scenario } from '../lib/scenario';
import { perSecond } from '../lib/stats';

/** Workflow tasks of the automation workflows' runs that failed or timed out, and those retried after one. */
async function automationRuns(temporal: Client, workflowIds: string[]) {
  const runs: { historyLength: number; failedTasks: number; retriedTasks: number }[] = [];
  for (const workflowId of workflowIds) {
    const query = `WorkflowId STARTS_WITH "automation/${workflowId}/"`;
    for await (const execution of temporal.workflow.list({ query })) {
      const history = await temporal.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const events = history.events ?? [];
      runs.push({
        historyLength: events.length,
        failedTasks: events.filter(
          (event) => event.workflowTaskFailedEventAttributes || event.workflowTaskTimedOutEventAttributes,
        ).length,
        retriedTasks: events.filter((event) => (event.workflowTaskScheduledEventAttributes?.attempt ?? 1) > 1).length,
      });
    }
  }
  return runs;
}

/**
 * Scenario 6b: one enabled workflow takes many events back to back; no workflow's history may grow with their number.
 * The automation workflow that takes them continues as new, so its runs stay short; each enrollment is a workflow of
 * its own, started by the automation workflow's activity.
 */
export const history: Scenario = {
  name: 'history',
  title: 'Growth: workflow histories over many events',
  method:
    'Records moved into the stage of one workflow (a single set_property), back to back; afterwards every Temporal ' +
    'workflow started during the run is listed with its history length, and every run of the automation workflow ' +
    'with its failed or retried workflow tasks. Bounded = the longest automation run and the longest enrollment do ' +
    'not grow with the number of events, far below Temporal’s 50k-event limit, and no workflow task failed.',
  byDefault: true,
  repeats: 1,
  targets: [
    { figure: 'longest_history_events', atMost: 10_000 },
    { figure: 'longest_automation_run_events', atMost: 2_500 },
    { figure: 'automation_failed_or_retried_tasks', atMost: 0 },
  ],
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
    const query = `StartTime >= "${new Date(started).toISOString()}" AND WorkflowId STARTS_WITH "enrollment/"`;
    for await (const execution of stack.temporal.workflow.list({ query })) lengths.push(execution.historyLength);
    const runs = await automationRuns(stack.temporal, automation.workflowIds);
    return {
      events,
      enrollments_per_s: perSecond(drained.completed, drained.lastEndedAt - started),
      workflows_started: lengths.length,
      longest_history_events: Math.max(...lengths),
      automation_runs: runs.length,
      longest_automation_run_events: Math.max(...runs.map((run) => run.historyLength)),
      automation_failed_or_retried_tasks: runs.reduce((sum, run) => sum + run.failedTasks + run.retriedTasks, 0),
      lost: events - drained.completed,
    };
  },
};
