import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts', '**/*.test.tsx'],
    // The PostgreSQL failover drill runs in `npm run drills` (TWIN_DRILL=1), not twice in CI.
    exclude: ['**/node_modules/**', '**/dist/**', '.twin-data*/**', ...(process.env.TWIN_DRILL === '1' ? [] : ['test/cluster/pg-failover.test.ts'])],
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
