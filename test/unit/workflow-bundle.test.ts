import { readFile } from 'node:fs/promises';
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
