import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readTestEnv, TestEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '../..');

interface ChaosResults {
  consecutive_passes: Record<string, number>;
  runs: {
    topology: string;
    acknowledged: { deals: number; tickets: number };
    faults: { name: string; back_after_s: number }[];
    client: { retries: number };
    verdict: Record<string, number | boolean>;
  }[];
}

/**
 * The fault-injection suite at CI size: steady load over HTTP on the embedded topology (every part its own process)
 * while a worker and then the API are killed with SIGKILL and started again. Nothing acknowledged may be lost, no
 * effect may happen twice, and no enrollment may be left stuck.
 */
describe('npm run chaos -- --smoke', () => {
  let results: ChaosResults;
  let failure: unknown;

  beforeAll(async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'pipewright-chaos-smoke-'));
    try {
      await promisify(execFile)('npm', ['run', 'chaos', '--', '--smoke', '--out', out], {
        cwd: ROOT,
        env: { ...process.env, TEMPORAL_CLI_PATH: readTestEnv(TestEnv.cliPath) },
        maxBuffer: 64 * 2 ** 20,
        timeout: 600_000,
      });
    } catch (error) {
      // A failed verdict exits with 1; the results file says which check failed, which the assertions below show.
      failure = error;
    }
    const [file] = (await readdir(out)).filter((name) => name.startsWith('chaos-'));
    if (!file) throw new Error(`npm run chaos wrote no results: ${String(failure)}`);
    results = JSON.parse(await readFile(path.join(out, file), 'utf8')) as ChaosResults;
  }, 600_000);

  it('killed a worker and the API during the load, and clients had to retry', () => {
    const [run] = results.runs;
    expect(run!.faults.map((fault) => fault.name)).toEqual(['worker-1 SIGKILL', 'api-1 SIGKILL']);
    expect(run!.acknowledged.deals).toBeGreaterThan(20);
    expect(run!.acknowledged.tickets).toBeGreaterThan(5);
    expect(run!.client.retries).toBeGreaterThan(0);
  });

  it('lost nothing, did nothing twice, and left nothing stuck', () => {
    const { verdict } = results.runs[0]!;
    expect({
      lost: verdict.lost,
      actions_missing: verdict.actions_missing,
      duplicate_enrollments: verdict.duplicate_enrollments,
      duplicate_tasks: verdict.duplicate_tasks,
      duplicate_property_changes: verdict.duplicate_property_changes,
      duplicate_webhook_effects: verdict.duplicate_webhook_effects,
      emails_with_unknown_message_id: verdict.emails_with_unknown_message_id,
      stuck: verdict.stuck,
      timelines_out_of_order: verdict.timelines_out_of_order,
    }).toEqual({
      lost: 0,
      actions_missing: 0,
      duplicate_enrollments: 0,
      duplicate_tasks: 0,
      duplicate_property_changes: 0,
      duplicate_webhook_effects: 0,
      emails_with_unknown_message_id: 0,
      stuck: 0,
      timelines_out_of_order: 0,
    });
    expect(verdict.email_duplicates).toBeLessThanOrEqual(2);
    expect(verdict.timelines_checked).toBeGreaterThan(0);
    expect(verdict.passed).toBe(true);
    expect(results.consecutive_passes).toEqual({ embedded: 1 });
  });
});
