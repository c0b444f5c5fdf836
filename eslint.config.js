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
    // layers/ is isomorphic: no Node, DOM, three or pg imports (design rule 1).
    files: ['layers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'three', 'three/*', 'pg', 'react', 'fs', 'path', 'ws', 'koa'] }],
    },
  },
);
