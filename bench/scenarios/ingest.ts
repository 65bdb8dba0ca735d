import { closedLoop } from '../lib/load';
import {
  createRecords,
  moveToTrigger,
  setUpAutomation,
  TASK_AND_PROPERTY,
  waitForEnrollments,
} from '../lib/pipewright';
import { Progress } from '../lib/progress';
import type { Scenario } from '../lib/scenario';
import { percentiles, perSecond, round } from '../lib/stats';

const IN_FLIGHT = 32;

/**
 * Scenario 4: a burst of stage changes as fast as the API takes them; then how long the engine takes to work through
 * them, and a count of what arrived against what was accepted.
 */
export const ingest: Scenario = {
  name: 'ingest',
  title: 'Ingest burst',
  method:
    `Stage changes (PATCH) on ${IN_FLIGHT} keep-alive connections, ${IN_FLIGHT} in flight, as fast as answered. ` +
    'Accepted/s and latency over the burst; drain = from the last 2xx to the last enrollment completed; lost = ' +
    '2xx-accepted changes whose enrollment, task row or property is missing after the drain.',
  byDefault: true,
  targets: [
    { figure: 'accepted_per_s', atLeast: 2000 },
    { figure: 'p99_ms', atMost: 50 },
    { figure: 'lost', atMost: 0 },
  ],
  async run({ stack, size }) {
    const count = size(10_000, 50);
    const automation = await setUpAutomation(stack.api, { actions: TASK_AND_PROPERTY });
    const records = await createRecords(stack.api, automation.pipelineId, count);
    const progress = new Progress('burst', count);
    const started = Date.now();
    const responses = await closedLoop(records, IN_FLIGHT, async (recordId) => {
      const res = await moveToTrigger(stack.api, recordId);
      progress.tick();
      return res;
    });
    progress.finish();
    const acceptedAt = Date.now();
    const accepted = responses.filter((res) => res.status === 200).length;
    const drained = await waitForEnrollments(stack.pool, automation.workflowIds, accepted, { label: 'drain' });
    const { rows } = await stack.pool.query<{ tasks: number; flagged: number }>(
      `SELECT (SELECT count(DISTINCT record_id)::int FROM tasks WHERE workflow_id = ANY($1)) AS tasks,
              (SELECT count(*)::int FROM records WHERE pipeline_id = $2 AND properties->>'contacted' = 'yes') AS flagged`,
      [automation.workflowIds, automation.pipelineId],
    );
    const latency = percentiles(responses.map((res) => res.ms));
    return {
      accepted_per_s: perSecond(accepted, acceptedAt - started),
      p50_ms: latency.p50,
      p99_ms: latency.p99,
      rejected: count - accepted,
      drain_s: round((drained.lastEndedAt - acceptedAt) / 1000),
      lost: accepted - Math.min(drained.completed, rows[0]!.tasks, rows[0]!.flagged),
    };
  },
};
