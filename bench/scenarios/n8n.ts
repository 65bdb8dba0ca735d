import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { freePort } from '../../src/net';
import { JsonClient, type JsonResponse } from '../lib/http';
import { closedLoop, sleep, waitForCount } from '../lib/load';
import { ensureN8n, type N8nProcess, startN8n } from '../n8n/n8n';
import {
  createRecords,
  moveToTrigger,
  setUpAutomation,
  TASK_AND_PROPERTY,
  taskTimes,
  waitForEnrollments,
} from '../lib/pipewright';
import { Progress } from '../lib/progress';
import type { Scenario, ScenarioContext } from '../lib/scenario';
import { percentiles, perSecond, round } from '../lib/stats';

const IN_FLIGHT = 8;
/** n8n writes its tasks under this workflow id (bench/n8n/workflow.json). */
const N8N_WORKFLOW = 'n8n';

let n8n: N8nProcess | undefined;

/**
 * Scenario 7: the same automation in n8n (webhook → insert the task row → set the property, into the same
 * PostgreSQL) and in Pipewright, under the same load; then a SIGKILL of each mid-run (n8n itself; Pipewright's
 * worker) and a count of acknowledged events whose effects never appeared.
 */
export const n8nSideBySide: Scenario = {
  name: 'n8n',
  title: 'n8n side by side',
  method:
    `The same events to each, ${IN_FLIGHT} requests in flight: Pipewright gets a PATCH moving a record into the ` +
    'stage of a create_task + set_property workflow; n8n 1.123.81 (SQLite in WAL mode, default "respond ' +
    'immediately" webhook) gets a POST and runs Postgres insert + update nodes. Rate = completions per second from ' +
    'the first request to the last task row; latency = task row time minus the 2xx. Kill: a quarter of the way into ' +
    'a second batch the engine is SIGKILLed and restarted (n8n; Pipewright’s worker); clients retry failed requests ' +
    'with the same event; lost = 2xx-acknowledged events without their task row after the drain.',
  byDefault: false,
  targets: [
    { figure: 'ratio_to_n8n', atLeast: 3 },
    { figure: 'pipewright_lost_on_kill', atMost: 0 },
  ],
  async setUp({ stack, say }) {
    const bin = await ensureN8n(say);
    n8n = await startN8n({
      bin,
      databaseUrl: stack.databaseUrl,
      port: await freePort(),
      dataDir: path.join(stack.dir, 'n8n'),
      say,
    });
  },
  async run(context) {
    const { size } = context;
    const count = size(1000, 10);
    const ours = await pipewrightRun(context, count, false);
    const theirs = await n8nRun(context, count, false);
    const oursKilled = await pipewrightRun(context, size(400, 8), true);
    const theirsKilled = await n8nRun(context, size(400, 8), true);
    return {
      pipewright_per_s: ours.perSecond,
      n8n_per_s: theirs.perSecond,
      ratio_to_n8n: round(ours.perSecond / theirs.perSecond),
      pipewright_p50_ms: ours.p50,
      pipewright_p99_ms: ours.p99,
      n8n_p50_ms: theirs.p50,
      n8n_p99_ms: theirs.p99,
      pipewright_lost_on_kill: oursKilled.lost,
      n8n_lost_on_kill: theirsKilled.lost,
    };
  },
  async tearDown() {
    await n8n?.stop();
    n8n = undefined;
  },
};

interface RunResult {
  perSecond: number;
  p50: number;
  p99: number;
  lost: number;
}

async function pipewrightRun(context: ScenarioContext, count: number, crash: boolean): Promise<RunResult> {
  const { stack } = context;
  const automation = await setUpAutomation(stack.api, { actions: TASK_AND_PROPERTY });
  const records = await createRecords(stack.api, automation.pipelineId, count);
  const { started, acks } = await sendAll('pipewright', records, crash ? () => stack.crashWorker() : undefined, (id) =>
    moveToTrigger(stack.api, id),
  );
  const drained = await waitForEnrollments(stack.pool, automation.workflowIds, count, { stallMs: 30_000 });
  return measured(await taskTimes(stack.pool, automation.workflowIds), records, acks, started, drained.lastEndedAt);
}

async function n8nRun(context: ScenarioContext, count: number, crash: boolean): Promise<RunResult> {
  const { stack } = context;
  const webhook = new JsonClient(n8n!.webhookUrl, {}, IN_FLIGHT);
  const { pipelineId } = await setUpAutomation(stack.api, { actions: [], workflows: 0 });
  const records = await createRecords(stack.api, pipelineId, count);
  const events = new Map(records.map((recordId) => [recordId, `evt-${randomUUID()}`]));
  try {
    const { started, acks } = await sendAll('n8n', records, crash ? () => crashN8n() : undefined, (recordId) =>
      webhook.request('POST', '', { eventId: events.get(recordId), recordId }),
    );
    const tasks = await waitForN8nTasks(context, records, count);
    return measured(tasks, records, acks, started, Math.max(...tasks.values()));
  } finally {
    webhook.close();
  }
}

async function crashN8n(): Promise<void> {
  await n8n!.kill();
  await n8n!.restart();
}

/**
 * Sends one request per record with IN_FLIGHT in flight, retrying a failed one (connection refused, 5xx) with the
 * same event until it is acknowledged, as an integration would; `crash` runs once a quarter of them are acknowledged.
 */
async function sendAll(
  label: string,
  records: readonly string[],
  crash: (() => Promise<void>) | undefined,
  send: (recordId: string) => Promise<JsonResponse>,
): Promise<{ started: number; acks: Map<string, number> }> {
  const progress = new Progress(label, records.length);
  const acks = new Map<string, number>();
  let crashing: Promise<void> | undefined;
  const started = Date.now();
  await closedLoop(records, IN_FLIGHT, async (recordId) => {
    for (;;) {
      const res = await send(recordId).catch(() => undefined);
      if (res && res.status >= 200 && res.status < 300) break;
      await sleep(250);
    }
    acks.set(recordId, Date.now());
    progress.tick();
    if (crash && !crashing && acks.size >= records.length / 4) crashing = crash();
  });
  await crashing;
  progress.finish();
  return { started, acks };
}

/** Waits until every record has its n8n task row, or the count has not moved for 30 s. */
async function waitForN8nTasks(
  { stack }: ScenarioContext,
  records: readonly string[],
  count: number,
): Promise<Map<string, number>> {
  const { tasks } = await waitForCount(
    'n8n executions',
    count,
    async () => {
      const all = await taskTimes(stack.pool, [N8N_WORKFLOW]);
      const tasks = new Map(records.flatMap((id) => (all.has(id) ? [[id, all.get(id)!] as const] : [])));
      return { count: tasks.size, tasks };
    },
    30_000,
  );
  return tasks;
}

function measured(
  tasks: Map<string, number>,
  records: readonly string[],
  acks: Map<string, number>,
  started: number,
  lastAt: number,
): RunResult {
  const latency = percentiles(records.flatMap((id) => (tasks.has(id) ? [tasks.get(id)! - acks.get(id)!] : [])));
  return {
    perSecond: perSecond(tasks.size, lastAt - started),
    p50: latency.p50,
    p99: latency.p99,
    lost: records.filter((id) => acks.has(id) && !tasks.has(id)).length,
  };
}
