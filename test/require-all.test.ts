import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './browser.ts';

// CI must fail, not skip, when a required service is missing. Run a nested vitest with the
// database pointed at a closed port and check it fails with a message naming PostgreSQL.
describe('TWIN_REQUIRE_ALL', () => {
  const runNested = (env: Record<string, string>) =>
    spawnSync(path.join(ROOT, 'node_modules/.bin/vitest'), ['run', 'twin-server/src/config.test.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env, FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 240_000,
    });

  it('fails the run when PostgreSQL + PostGIS is unavailable', () => {
    const r = runNested({ TWIN_REQUIRE_ALL: '1', TWIN_TEST_PG_URL: 'postgres://postgres@127.0.0.1:1/postgres' });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/TWIN_REQUIRE_ALL=1 but required services are missing/);
    expect(r.stdout + r.stderr).toMatch(/PostgreSQL not reachable at postgres:\/\/postgres@127\.0\.0\.1:1/);
  }, 300_000);

  it('only warns (and skips those tests) when the variable is not set', () => {
    const env = { TWIN_REQUIRE_ALL: '0', TWIN_TEST_PG_URL: 'postgres://postgres@127.0.0.1:1/postgres' };
    const r = runNested(env);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/PostgreSQL not reachable/);
  }, 300_000);
});
