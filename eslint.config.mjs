import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', 'eslint.config.mjs', 'jest.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'pg',
            'nodemailer',
            'smtp-server',
            'express',
            '@temporalio/client',
            '@temporalio/worker',
            '@temporalio/activity',
          ],
          patterns: [
            { group: ['node:*'], message: 'Workflow code must be deterministic: no Node built-ins.' },
            {
              group: ['fs', 'net', 'http', 'https', 'child_process', 'crypto', 'os', 'path'],
              message: 'Workflow code must be deterministic: no Node built-ins.',
            },
            {
              group: ['**/activities/*', '!**/activities/index'],
              message: 'Import activity types from activities/index with `import type`.',
            },
            {
              group: ['**/src/db/**', '**/src/api/**', '**/src/temporal/**', '**/src/mail/**'],
              message: 'Workflows may import only pure modules from src/domain.',
            },
          ],
        },
      ],
    },
  },
  {
    // The console runs in the browser and talks to the server only over HTTP; it shares the server's types.
    files: ['console/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The console runs in a browser.' },
            {
              group: ['**/src/**', '**/activities/**', '**/workflows/**'],
              allowTypeImports: true,
              message: 'The console shares the server’s types (`import type`), never its code.',
            },
          ],
        },
      ],
    },
  },
  {
    // supertest bodies are `any`; tests assert their shape with expect() instead.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  prettier,
);
