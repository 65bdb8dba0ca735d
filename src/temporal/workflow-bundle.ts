import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

const WORKFLOWS_PATH = require.resolve('../../workflows');

/** Where `npm run build` leaves the workflow bundle: beside the code it was bundled from (`dist/`). */
const PREBUILT_WORKFLOW_BUNDLE = path.resolve(__dirname, '../../workflow-bundle.js');

/**
 * Only compiled code runs the prebuilt bundle, and only one made after the workflows were last compiled (a bare
 * `tsc` leaves an older one behind). Run from the TypeScript sources, workers bundle the sources they run at start.
 * Either way an edit never meets an older bundle.
 */
function prebuiltBundleIsCurrent(): boolean {
  return (
    __filename.endsWith('.js') &&
    existsSync(PREBUILT_WORKFLOW_BUNDLE) &&
    statSync(PREBUILT_WORKFLOW_BUNDLE).mtimeMs >= statSync(WORKFLOWS_PATH).mtimeMs
  );
}

/** webpack's progress lines are noise in a build; its warnings are kept. */
const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};

/** Bundles every workflow with the SDK's webpack set-up and writes the bundle to `file`. */
export async function writeWorkflowBundle(file: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  await writeFile(file, code);
}

/**
 * The worker's workflow code: the bundle at `bundlePath` (WORKFLOW_BUNDLE), else the one the build left, else the
 * workflow sources, which the worker then bundles with webpack at start (seconds of CPU on every start).
 */
export function workflowCode(bundlePath?: string): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (bundlePath) {
    if (!existsSync(bundlePath)) throw new Error(`WORKFLOW_BUNDLE: no file at ${bundlePath}`);
    return { workflowBundle: { codePath: bundlePath } };
  }
  if (prebuiltBundleIsCurrent()) return { workflowBundle: { codePath: PREBUILT_WORKFLOW_BUNDLE } };
  return { workflowsPath: WORKFLOWS_PATH };
}

if (require.main === module) {
  writeWorkflowBundle(PREBUILT_WORKFLOW_BUNDLE).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
