import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.cache/', '.data/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Activities reach Temporal only through the ports the worker wires (activities/ports.ts): a client
    // module would pull workflow code into the activities (test/import-boundaries.test.ts checks transitively).
    files: ['activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../temporal/*', '../api/*', '../worker/*'], message: 'Activities reach Temporal through their ports (activities/ports.ts).' },
            { group: ['../workflows/*', '!../workflows/definitions.ts'], message: 'Activities import no workflow code; shared types live in workflows/definitions.ts.' },
          ],
        },
      ],
    },
  },
  {
    // Workflow code is replayed deterministically in a sandbox: no Node built-ins, no I/O modules,
    // and only type imports of activities (their implementations run in the worker, not here).
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
          patterns: [
            { group: ['../db/*', '../api/*', '../worker/*', '../config/*'], message: 'Workflows do no I/O and read no config.' },
            { group: ['postgres', 'pino', 'nodemailer', 'openid-client', 'hono', 'hono/*'], message: 'No I/O libraries in workflows.' },
            { group: ['../activities/*'], allowTypeImports: true, message: 'Import activities by type only.' },
          ],
        },
      ],
      // Every activity proxy sets a timeout and a retry policy built by retryPolicy() (activity-retry.ts),
      // so errors no retry can fix are named non-retryable everywhere.
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name=/^proxy(Local)?Activities$/] > ObjectExpression:not(:has(Property[key.name='startToCloseTimeout']))",
          message: 'Every activity proxy sets startToCloseTimeout.',
        },
        {
          selector: "CallExpression[callee.name=/^proxy(Local)?Activities$/] > ObjectExpression:not(:has(Property[key.name='retry']))",
          message: 'Every activity proxy sets retry: retryPolicy({...}).',
        },
        {
          selector: "Property[key.name='retry'] > ObjectExpression",
          message: 'Build retry policies with retryPolicy() from workflows/activity-retry.ts.',
        },
      ],
    },
  },
);
