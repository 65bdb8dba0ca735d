/**
 * Records Temporal histories of both workflows, for the replay test (test/workflow/replay.test.ts):
 * `npx tsx scripts/record-histories.ts [suffix]` saves `automation[-suffix].json` (one shard taking events, then
 * turned off) and `enrollment-unenrolled[-suffix].json` (every step kind, then unenrolled during a delay). After a
 * patched change to workflow code, record new ones under a new suffix and keep the old ones: together they prove
 * that histories from before and after the patch replay.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import prettier from 'prettier';
import globalSetup from '../test/support/global-setup';
import globalTeardown from '../test/support/global-teardown';
import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  waitForTimeline,
} from '../test/support/fixtures';
import { automationWorkflowId } from '../src/domain';
import { readTestEnv, TestEnv } from '../test/support/env';
import { startTestStack } from '../test/support/stack';

const run = promisify(execFile);

const OUT = path.join(__dirname, '../test/workflow/histories');
const SUFFIX = process.argv[2];

/** Jest's `expect`, which the fixtures use, is not here: a minimal stand-in that throws on a mismatch. */
function installExpect(): void {
  (globalThis as Record<string, unknown>).expect = (actual: unknown) => ({
    toBe(expected: unknown) {
      if (actual !== expected) throw new Error(`expected ${String(expected)}, got ${String(actual)}`);
    },
  });
}

/** Saves a history in Temporal's JSON format, as `temporal workflow show --output json` writes it. */
async function save(name: string, workflowId: string): Promise<void> {
  const file = SUFFIX ? `${name}-${SUFFIX}` : name;
  const { stdout } = await run(readTestEnv(TestEnv.cliPath), [
    'workflow',
    'show',
    '--workflow-id',
    workflowId,
    '--address',
    readTestEnv(TestEnv.temporalAddress),
    '--output',
    'json',
  ]);
  const target = path.join(OUT, `${file}.json`);
  // Formatted as `npm run lint` expects.
  await writeFile(
    target,
    await prettier.format(stdout, { ...(await prettier.resolveConfig(target)), filepath: target }),
  );
  console.log(`saved ${file} (${(JSON.parse(stdout) as { events: unknown[] }).events.length} events)`);
}

async function main(): Promise<void> {
  installExpect();
  await globalSetup();
  const stack = await startTestStack();
  try {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      id: 'replay-wf',
      pipelineId,
      name: 'Every step kind',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        { id: 'task', type: 'create_task', config: { title: 'Call {{record.properties.company}}', dueIn: '1d' } },
        { id: 'wait', type: 'delay', config: { for: '1s' } },
        {
          id: 'if',
          type: 'branch_if',
          config: {
            conditions: { all: [{ property: 'company', operator: 'known' }] },
            then: [{ id: 'mark', type: 'set_property', config: { property: 'seen', value: true } }],
            else: [],
          },
        },
        {
          id: 'value',
          type: 'branch_value',
          config: { property: 'company', cases: [{ values: ['Acme'], actions: [] }], default: [] },
        },
        {
          id: 'random',
          type: 'branch_random',
          config: {
            splits: [
              { percent: 50, actions: [] },
              { percent: 50, actions: [] },
            ],
          },
        },
        {
          id: 'notify',
          type: 'send_internal_notification',
          config: { to: { users: ['team@example.com'] }, subject: 'Hi', body: '{{record.id}}' },
        },
        { id: 'long-wait', type: 'delay', config: { for: '1h' } },
        { id: 'never', type: 'create_task', config: { title: 'Not reached' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const completed = await createRecord(stack, {
      id: 'replay-rec-1',
      pipelineId,
      stageId: 'qualified',
      properties: { company: 'Acme' },
    });
    await waitForTimeline(stack, completed, 'delay_started');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Leaving the stage during the long delay: the unenroll signal and the cancellation path.
    await moveRecord(stack, completed, 'won');
    await waitForTimeline(stack, completed, 'unenrolled');

    const { rows } = await stack.pool.query<{ id: string }>('SELECT id FROM enrollments WHERE record_id = $1', [
      completed,
    ]);
    await save('enrollment-unenrolled', rows[0]!.id);

    // A second entry, then the workflow turned off: the automation workflow takes events and ends.
    const second = await createRecord(stack, { id: 'replay-rec-2', pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, second, 'enrolled');
    expect((await stack.http.post(`/api/workflows/${workflowId}/disable`).send({ unenroll: true })).status).toBe(200);
    const automation = stack.temporal.workflow.getHandle(automationWorkflowId(workflowId, 0));
    await automation.result();
    await save('automation', automation.workflowId);
  } finally {
    await stack.stop();
    await globalTeardown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
