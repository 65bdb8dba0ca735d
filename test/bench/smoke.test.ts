import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ScenarioResult } from '../../bench/lib/report';
import { readTestEnv, TestEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '../..');
const SCENARIOS = ['bare', 'throughput', 'latency', 'ingest', 'parked', 'growth', 'history'];

/**
 * The benchmark harness at CI size: every default scenario once with tiny counts, on its own embedded stack. It
 * checks that results and tables are written, never how fast anything is (figures live in bench/results).
 */
describe('npm run bench -- --smoke', () => {
  let out: string;
  let output: string;

  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'pipewright-bench-smoke-'));
    const { stdout, stderr } = await promisify(execFile)(
      'npm',
      ['run', 'bench', '--', '--smoke', '--out', out, '--readme', path.join(out, 'README.md')],
      {
        cwd: ROOT,
        env: { ...process.env, TEMPORAL_CLI_PATH: readTestEnv(TestEnv.cliPath) },
        maxBuffer: 64 * 2 ** 20,
        timeout: 900_000,
      },
    );
    output = stdout + stderr;
  }, 900_000);

  it('writes a results file per scenario, with figures from a real run', async () => {
    const files = (await readdir(out)).filter((file) => file.endsWith('.json')).sort();
    expect(files.map((file) => file.replace(/^\d{4}-\d{2}-\d{2}-/, '').replace('.json', '')).sort()).toEqual(
      [...SCENARIOS].sort(),
    );
    for (const file of files) {
      const result = JSON.parse(await readFile(path.join(out, file), 'utf8')) as ScenarioResult;
      expect(result.repeats).toHaveLength(1);
      expect(result.versions.temporalSdk).toMatch(/^\d+\.\d+\.\d+$/);
      expect(result.versions.postgres).toMatch(/^\d+/);
      const figures = Object.values(result.repeats[0]!);
      expect(figures.length).toBeGreaterThan(0);
      expect(figures.every(Number.isFinite)).toBe(true);
    }
  });

  it('loses nothing even at smoke size', async () => {
    for (const scenario of ['throughput', 'ingest', 'parked', 'history']) {
      const [file] = (await readdir(out)).filter((name) => name.endsWith(`-${scenario}.json`));
      const result = JSON.parse(await readFile(path.join(out, file!), 'utf8')) as ScenarioResult;
      expect({ scenario, lost: result.summary.lost?.median }).toEqual({ scenario, lost: 0 });
    }
  });

  it('rewrites the results tables in the README it is given', async () => {
    const readme = await readFile(path.join(out, 'README.md'), 'utf8');
    for (const scenario of SCENARIOS) expect(readme).toContain(`(\`${scenario}\`)`);
    expect(readme).toContain('<!-- bench:results:end -->');
    expect(output).toContain('== Bare Temporal baseline');
  });
});
