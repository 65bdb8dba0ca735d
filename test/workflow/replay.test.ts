import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { readTestEnv, TestEnv } from '../support/env';

const HISTORIES = path.join(__dirname, 'histories');

/**
 * Replays recorded histories of both workflows (recorded with scripts/record-histories.ts) against the current
 * workflow code. A change that would break enrollments already in flight fails here with a determinism error.
 */
/** The recorded histories; a patched change adds new ones beside them (`-<suffix>`). */
const RECORDED = ['automation', 'enrollment-unenrolled'];

describe('replay of recorded histories', () => {
  it('finds the recorded histories', async () => {
    const files = await readdir(HISTORIES);
    expect(files.filter((file) => file.endsWith('.json')).sort()).toEqual(
      RECORDED.map((name) => `${name}.json`).sort(),
    );
  });

  it.each(RECORDED)('%s replays without a determinism error', async (name) => {
    const history: unknown = JSON.parse(await readFile(path.join(HISTORIES, `${name}.json`), 'utf8'));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: readTestEnv(TestEnv.workflowBundle) } }, history, name),
    ).resolves.toBeUndefined();
  });
});
