import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { freePort, portInUse } from '../../src/net';
import { readTestEnv, TestEnv } from '../support/env';
import { eventually } from '../support/stack';

const ROOT = path.resolve(__dirname, '../..');

interface Started {
  child: ChildProcess;
  output: () => string;
  /** True once npm has exited and everything the stack printed has been read. */
  closed: () => boolean;
}

/** Kills whatever is left of the process group `child` leads (nothing to do when it is gone). */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // The group has no processes left.
  }
}

/** Runs the README's `npm start` in its own process group, as a terminal would. */
async function npmStart(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let closed = false;
  child.once('close', () => (closed = true));
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      killGroup(child);
      reject(new Error(`${why}\n--- output ---\n${output}`));
    };
    const timer = setTimeout(() => fail('npm start was not running after 150 s'), 150_000);
    const exited = (code: number | null) => fail(`npm start exited with ${code}`);
    child.once('exit', exited);
    const watch = () => {
      if (!output.includes('Press Ctrl-C to stop.')) return;
      clearTimeout(timer);
      child.off('exit', exited);
      child.stdout?.off('data', watch);
      resolve();
    };
    child.stdout?.on('data', watch);
  });
  return { child, output: () => output, closed: () => closed };
}

/**
 * Ctrl-C: SIGINT to the whole process group, then waits until npm has exited and every port the stack used is closed,
 * and checks that the app reported a clean shutdown. A stack that does not stop is killed, so a failure here cannot
 * leave processes behind that keep the test run from ending, and the failure shows what the app printed.
 */
async function pressCtrlC(started: Started, ports: number[]): Promise<void> {
  process.kill(-started.child.pid!, 'SIGINT');
  try {
    await eventually(
      async () => (started.closed() && !(await Promise.all(ports.map(portInUse))).some(Boolean) ? true : undefined),
      30_000,
      'npm start to exit and every port to close',
    );
  } catch (error) {
    killGroup(started.child);
    throw new Error(`${(error as Error).message}\n--- output ---\n${started.output().slice(-6000)}`);
  }
  expect(started.output()).toContain('"msg":"shutting down"');
  expect(started.output()).toContain('"msg":"shutdown complete"');
  expect(started.output()).not.toMatch(/could not stop cleanly|shutdown failed/);
}

describe('npm start on the embedded defaults', () => {
  it('starts everything, stops cleanly on Ctrl-C, and keeps data and in-flight timers across a restart', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pipewright-start-'));
    await chmod(dataDir, 0o755); // PostgreSQL runs as its own user when we are root
    const ports = {
      api: await freePort(),
      temporal: await freePort(),
      ui: await freePort(),
      pg: await freePort(),
      smtp: await freePort(),
    };
    const env = {
      DATA_DIR: dataDir,
      PORT: String(ports.api),
      TEMPORAL_DEV_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      EMBEDDED_PG_PORT: String(ports.pg),
      SMTP_SINK_PORT: String(ports.smtp),
      TEMPORAL_CLI_PATH: readTestEnv(TestEnv.cliPath),
      ADMIN_TOKEN: '',
    };
    const api = () => supertest(`http://127.0.0.1:${ports.api}`);
    const first = await npmStart(env);
    const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
    const auth = { Authorization: `Bearer ${token}` };
    try {
      expect(first.output()).toContain(token);
      expect(first.output()).toContain(`http://127.0.0.1:${ports.ui}`);
      // One machine, its API on loopback: webhooks may call local services, and the start-up says so.
      expect(first.output()).toContain('WARNING: webhooks may call loopback and private addresses');
      expect((await api().get('/readyz')).status).toBe(200);
      // The console is built and served, and links to the dev server's UI.
      expect((await api().get('/')).text).toContain('<script type="module" src="/app.js">');
      expect((await api().get('/api/session').set(auth)).body.temporal).toEqual({
        namespace: 'default',
        uiUrl: `http://127.0.0.1:${ports.ui}`,
      });

      await api()
        .post('/api/pipelines')
        .set(auth)
        .send({ id: 'p', objectType: 'deal', label: 'P', stages: [{ id: 's', label: 'S' }] })
        .expect(201);
      await api()
        .post('/api/workflows')
        .set(auth)
        .send({
          id: 'w',
          pipelineId: 'p',
          name: 'Later',
          trigger: { type: 'stage_entered', stageId: 's' },
          actions: [
            { id: 'wait', type: 'delay', config: { for: '6s' } },
            { id: 'task', type: 'create_task', config: { title: 'After the restart' } },
          ],
        })
        .expect(201);
      await api().post('/api/workflows/w/enable').set(auth).expect(200);
      await api().post('/api/records').set(auth).send({ id: 'r', pipelineId: 'p', stageId: 's' }).expect(201);
      await eventually(async () => {
        const res = await api().get('/api/records/r/timeline').set(auth);
        return res.body.items.some((line: { kind: string }) => line.kind === 'delay_started') ? true : undefined;
      });
    } finally {
      await pressCtrlC(first, Object.values(ports));
    }

    const second = await npmStart(env);
    try {
      const tasks = await eventually(
        async () => {
          const res = await api().get('/api/tasks?recordId=r').set(auth);
          return res.body.items?.length > 0 ? res.body.items : undefined;
        },
        60_000,
        'the task after the delay',
      );
      expect(tasks).toEqual([expect.objectContaining({ title: 'After the restart', workflowId: 'w' })]);
    } finally {
      await pressCtrlC(second, Object.values(ports));
    }
  }, 300_000);

  it('builds the workflow bundle workers run, and never runs one older than the compiled workflows', () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    const chosen = () =>
      JSON.parse(
        execFileSync(
          process.execPath,
          ['-p', `JSON.stringify(require('./dist/src/temporal/workflow-bundle.js').workflowCode())`],
          { cwd: ROOT, encoding: 'utf8' },
        ),
      );
    const bundle = path.join(ROOT, 'dist/workflow-bundle.js');
    expect(chosen()).toEqual({ workflowBundle: { codePath: bundle } });

    // A bare `tsc` after the build: the bundle is older than the workflows it would stand for.
    const compiled = statSync(path.join(ROOT, 'dist/workflows/index.js')).mtime;
    utimesSync(bundle, compiled, new Date(compiled.getTime() - 60_000));
    expect(chosen()).toEqual({ workflowsPath: path.join(ROOT, 'dist/workflows/index.js') });
  }, 120_000);
});
