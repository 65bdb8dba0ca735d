import { readFile } from 'node:fs/promises';
import { workflowCode } from '../../src/temporal/workflow-bundle';
import { readTestEnv, TestEnv } from '../support/env';

/**
 * The workflow bundle runs its module code again for every workflow instance (the SDK reuses one V8 context), so a
 * zod schema built at module level in anything the workflows import would be built again on every workflow start.
 * Workflow code imports only the zod-free modules of `src/domain`, and schema modules only with `import type`.
 * Luxon stays out for the same reason (a third of the bundle): `src/domain` reads zones and ISO dates without it.
 */
describe('workflow bundle', () => {
  it('contains no zod or luxon module', async () => {
    const code = await readFile(readTestEnv(TestEnv.workflowBundle), 'utf8');
    // webpack opens each module of the bundle with a line `/***/ "<module path>"`.
    const modules = [...code.matchAll(/^\/\*{3}\/ "([^"]+)"/gm)].map(([, path]) => path);

    expect(modules).toContain('./workflows/enrollment.ts');
    expect(modules.filter((path) => path?.includes('node_modules/zod/'))).toEqual([]);
    expect(modules.filter((path) => path?.includes('node_modules/luxon/'))).toEqual([]);
  });
});

describe('the workflow code a worker runs', () => {
  it('is the bundle WORKFLOW_BUNDLE names, and a missing one is refused by name', () => {
    const bundle = readTestEnv(TestEnv.workflowBundle);
    expect(workflowCode(bundle)).toEqual({ workflowBundle: { codePath: bundle } });
    expect(() => workflowCode('/nowhere/bundle.js')).toThrow('WORKFLOW_BUNDLE: no file at /nowhere/bundle.js');
  });

  it('is the workflow sources when run from them, so an edit never meets an older bundle', () => {
    expect(workflowCode()).toEqual({ workflowsPath: require.resolve('../../workflows') });
  });
});
