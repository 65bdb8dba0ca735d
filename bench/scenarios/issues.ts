import { inTransaction, type Pool } from '../../src/db/pool';
import { appendTimeline, appendTimelineLines, type TimelineEntry } from '../../src/db/timeline';
import type { JsonClient } from '../lib/http';
import { setUpAutomation } from '../lib/pipewright';
import { Progress } from '../lib/progress';
import type { Scenario } from '../lib/scenario';
import { percentiles, perSecond, round } from '../lib/stats';

const RECORDS = 20_000;
const BATCH = 1_000;
const LINES_BETWEEN_CALLS = 200;
const WRITERS = 8;
const WRITE_SECONDS = 5;

/**
 * The lines of one workflow as the engine writes them, by share: failures, skips and refusals with the texts of
 * activities/*.ts, workflows/enrollment.ts and the enrollment rules (some carry the record's URL path or a contact's
 * address, which the reason takes out), and lines of other kinds. 19 reasons in all.
 */
type Detail = (recordId: string) => string;

const FAILURES: readonly Detail[] = [
  (record: string) => `webhook failed: POST https://crm.example/contacts/${record} → 404`,
  (record: string) => `webhook failed: POST https://crm.example/contacts/${record} → 410`,
  (record: string) =>
    `webhook failed: POST https://crm.example/contacts/${record} failed: connect ECONNREFUSED 10.0.0.7:443`,
  (record: string) => `send_email failed: 550 5.1.1 <${record}@example.com>: Recipient address rejected`,
  () => 'send_email failed: email template "spring-promo" does not exist',
  () => 'set_stage failed: stage "archived" is not in pipeline "deals"',
  () => 'set_property failed: a record has at most 200 properties; this would make 201',
  () => 'webhook failed: webhook url refused: placeholders may only fill in the path and the query',
];
const SKIPS: readonly Detail[] = [
  () => 'no email sent: the record has no contacts',
  (record: string) => `not sent to ${record}@example.com: the contact has not opted in to marketing email`,
  () => 'skipped send_email: the workflow is off',
  () => 'skipped: the action was deleted from the workflow',
  () => 'delay skipped: property "renewal" is not a date',
  () => 'skipped owner: the record has no owner with an email address',
];
const REFUSALS: readonly Detail[] = [
  () => 'not enrolled: the workflow is off',
  () => 'not enrolled: the record was enrolled before and re-enrollment is off',
  () => 'not enrolled: the record is still enrolled from an earlier entry; a record is never enrolled twice at once',
  () => 'not enrolled: the record already left stage "qualified" (it is in "won")',
  () =>
    'not enrolled: tickets from email are not enrolled unless the workflow lists "email" in enrollment.includeSources',
];

/** Line `index` of the workflow's timeline: 40 % failures, 25 % skips, 15 % refusals, 20 % other kinds. */
function lineAt(run: string, workflowId: string, index: number): TimelineEntry {
  const recordId = `rec-${run}-${index % RECORDS}`;
  const base = { recordId, workflowId, enrollmentId: `en-${run}-${index}`, dedupeKey: `${run}:${index}` };
  const bucket = index % 20;
  const pick = <T>(list: readonly T[]) => list[Math.floor(index / 20) % list.length]!;
  if (bucket < 8) {
    return { ...base, kind: 'action_failed', actionId: `act-${index % 3}`, detail: pick(FAILURES)(recordId) };
  }
  if (bucket < 13) return { ...base, kind: 'action_skipped', actionId: 'act-mail', detail: pick(SKIPS)(recordId) };
  if (bucket < 16) return { ...base, kind: 'not_enrolled', detail: pick(REFUSALS)(recordId) };
  return { ...base, kind: 'action_completed', actionId: 'act-task', detail: `created task "Call ${recordId}"` };
}

async function writeLines(pool: Pool, run: string, workflowId: string, from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += BATCH) {
    const size = Math.min(BATCH, from + count - start);
    await appendTimelineLines(
      pool,
      Array.from({ length: size }, (_, offset) => lineAt(run, workflowId, start + offset)),
    );
  }
}

async function timedCall(api: JsonClient, workflowId: string): Promise<{ ms: number; groups: number }> {
  const res = await api.expect(200, 'GET', `/api/workflows/${workflowId}/issues`);
  return { ms: res.ms, groups: (res.body as { items: unknown[] }).items.length };
}

/** What the same answer costs grouped from the timeline itself, with the indexes it has (the median of 5 runs). */
async function timelineGroupByMs(pool: Pool, workflowId: string): Promise<number> {
  const samples: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    const started = performance.now();
    await pool.query(
      `SELECT action_id, kind, detail, count(*), min(at), max(at) AS last_at, (array_agg(DISTINCT record_id))[1:5]
       FROM timeline WHERE workflow_id = $1 AND kind IN ('action_failed', 'action_skipped', 'not_enrolled')
       GROUP BY action_id, kind, detail ORDER BY last_at DESC LIMIT 100`,
      [workflowId],
    );
    samples.push(performance.now() - started);
  }
  return percentiles(samples).p50;
}

/** Lines appended per second by `WRITERS` concurrent writers, each line in a transaction of its own. */
async function appendsPerSecond(pool: Pool, line: (writer: number, index: number) => TimelineEntry): Promise<number> {
  const until = Date.now() + WRITE_SECONDS * 1_000;
  let written = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let index = 0; Date.now() < until; index += 1) {
        await inTransaction(pool, (db) => appendTimeline(db, line(writer, index)));
        written += 1;
      }
    }),
  );
  return perSecond(written, Date.now() - started);
}

/** Issue 16: `GET /api/workflows/:id/issues` on a workflow with 100,000 timeline lines. */
export const issues: Scenario = {
  name: 'issues',
  title: 'Workflow issues on a long timeline',
  method:
    `100,000 timeline lines of one workflow (40 % failures, 25 % skips, 15 % refusals over 19 reasons, the rest ` +
    `action_completed; ${RECORDS.toLocaleString('en')} records) written straight into PostgreSQL with the timeline ` +
    `writer (appendTimelineLines, ${BATCH.toLocaleString('en')} a statement), then GET /api/workflows/:id/issues: the ` +
    `first call (it folds every line written so far into the groups), 50 calls back to back, and 50 calls each after ` +
    `${LINES_BETWEEN_CALLS} more lines. timeline_group_by_ms: the same answer grouped from the timeline with its ` +
    `indexes, as a read without the aggregate would. Appends/s: ${WRITERS} concurrent writers, one line per ` +
    `transaction, for ${WRITE_SECONDS} s: all of one failure reason (one group), and lines of no issue.`,
  byDefault: false,
  targets: [
    { figure: 'p95_ms', atMost: 50 },
    { figure: 'after_writes_p95_ms', atMost: 50 },
  ],
  async run({ stack, size, say }) {
    const lines = size(100_000, 500);
    const calls = size(50, 3);
    const { workflowIds } = await setUpAutomation(stack.api, {
      actions: [{ id: 'act-task', type: 'create_task', config: { title: 'Call {{record.id}}' } }],
    });
    const workflowId = workflowIds[0]!;
    const run = workflowId;

    const progress = new Progress('lines', lines);
    const writeStarted = Date.now();
    for (let written = 0; written < lines; written += 10 * BATCH) {
      const count = Math.min(10 * BATCH, lines - written);
      await writeLines(stack.pool, run, workflowId, written, count);
      progress.tick(count);
    }
    const writeMs = Date.now() - writeStarted;
    progress.finish();

    const first = await timedCall(stack.api, workflowId);
    const steady: number[] = [];
    for (let call = 0; call < calls; call += 1) steady.push((await timedCall(stack.api, workflowId)).ms);
    const afterWrites: number[] = [];
    for (let call = 0; call < calls; call += 1) {
      await writeLines(stack.pool, run, workflowId, lines + call * LINES_BETWEEN_CALLS, LINES_BETWEEN_CALLS);
      afterWrites.push((await timedCall(stack.api, workflowId)).ms);
    }
    const groupByMs = await timelineGroupByMs(stack.pool, workflowId);
    say(`   ${first.groups} groups; grouping the timeline itself takes ${round(groupByMs)} ms`);

    const hotReason = await appendsPerSecond(stack.pool, (writer, index) => ({
      recordId: `rec-${run}-hot-${writer}-${index}`,
      kind: 'action_failed',
      workflowId: `${workflowId}-hot`,
      actionId: 'act-hook',
      detail: 'webhook failed: POST https://crm.example/contacts/x → 404',
    }));
    const noIssue = await appendsPerSecond(stack.pool, (writer, index) => ({
      recordId: `rec-${run}-plain-${writer}-${index}`,
      kind: 'action_completed',
      workflowId: `${workflowId}-plain`,
      actionId: 'act-task',
      detail: 'created task "Call"',
    }));

    const steadyStats = percentiles(steady);
    const afterStats = percentiles(afterWrites);
    return {
      lines,
      groups: first.groups,
      write_lines_per_s: perSecond(lines, writeMs),
      first_call_ms: round(first.ms),
      p50_ms: steadyStats.p50,
      p95_ms: steadyStats.p95,
      after_writes_p50_ms: afterStats.p50,
      after_writes_p95_ms: afterStats.p95,
      timeline_group_by_ms: round(groupByMs),
      hot_reason_appends_per_s: hotReason,
      no_issue_appends_per_s: noIssue,
    };
  },
};
