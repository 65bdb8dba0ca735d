/** What global setup shares with the test files, through environment variables. */
export const TestEnv = {
  cliPath: 'PW_TEST_TEMPORAL_CLI',
  temporalAddress: 'PW_TEST_TEMPORAL_ADDRESS',
  adminUrl: 'PW_TEST_PG_ADMIN_URL',
  workflowBundle: 'PW_TEST_WORKFLOW_BUNDLE',
  consoleDir: 'PW_TEST_CONSOLE_DIR',
} as const;

export const TEMPLATE_DATABASE = 'pipewright_template';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export function readTestEnv(name: (typeof TestEnv)[keyof typeof TestEnv]): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\` (jest global setup sets it)`);
  return value;
}
