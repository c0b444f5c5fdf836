import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['**/node_modules/**', '**/dist/**', '.twin-data*/**'],
    globalSetup: ['./test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Browser tests run WebGL on SwiftShader; two workers share two cores.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Each file gets its own databases and ports; isolation keeps module state from leaking.
    isolate: true,
  },
});
