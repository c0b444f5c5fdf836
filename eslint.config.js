import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'tilesets/**', '.twin-data*/**', 'test-results/**', 'bench-results/**', 'models/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The client never imports server code (it runs in the browser and must not carry server
    // secrets or Node modules). Tests that start a real server are the exception: *.test.ts(x).
    files: ['twin-client/src/**/*.ts', 'twin-client/src/**/*.tsx'],
    ignores: ['twin-client/src/**/*.test.ts', 'twin-client/src/**/*.test.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/twin-server/**', 'twin-server', 'twin-server/*', '@park-twin/server', '@park-twin/server/*'], message: 'the client never imports server code (twin-server/)' },
          { group: ['**/bench/**', '**/test/**'], message: 'benchmarks and test harnesses stay out of client source (bench/, test/)' },
        ],
      }],
    },
  },
  {
    // layers/ is isomorphic: no Node, DOM, three or pg imports (design rule 1).
    files: ['layers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'three', 'three/*', 'pg', 'react', 'fs', 'path', 'ws', 'koa'] }],
    },
  },
);
