/**
 * Test harness for database code: run the same suite on the embedded PGlite backend and on a
 * real PostgreSQL + PostGIS server, each test file on its own fresh, migrated database.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import type { Backend, Db } from './types.ts';
import { openPglite } from './pglite.ts';
import { createScratchDatabase } from './scratch.ts';
import { migrate } from './migrate.ts';

const PG_ADMIN_URL = process.env.TWIN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A migrated database private to one test file. */
export interface TestDb {
  readonly db: Db;
  readonly backend: Backend;
  /** Connection URL (postgres backend only), for tests that start a server process. */
  readonly url?: string;
  drop(): Promise<void>;
}

/** Creates a fresh, migrated database on the given backend. */
export async function createTestDb(backend: Backend): Promise<TestDb> {
  if (backend === 'pglite') {
    const blob = new Blob([fs.readFileSync(inject('pgliteTemplate'))]);
    const db = await openPglite({ dataDir: 'memory://', loadDataDir: blob });
    await migrate(db); // no-op unless a migration was added after the template was built
    return { db, backend, drop: () => db.close() };
  }
  const scratch = await createScratchDatabase(PG_ADMIN_URL, 'twin_test');
  return { db: scratch.db, backend, url: scratch.url, drop: scratch.drop };
}

/**
 * Declares `fn`'s tests once per backend. The postgres run is skipped (with a reason printed by
 * the global setup) only when the server is missing and TWIN_REQUIRE_ALL is not set.
 */
export function describeEachBackend(title: string, fn: (ctx: { db: () => Db; backend: Backend; testDb: () => TestDb }) => void): void {
  for (const backend of ['pglite', 'postgres'] as const) {
    const unavailable = backend === 'postgres' && inject('pgMissing') !== null;
    describe.skipIf(unavailable)(`${title} [${backend}]`, () => {
      let t: TestDb | undefined;
      beforeAll(async () => {
        t = await createTestDb(backend);
      }, 120_000);
      afterAll(async () => {
        await t?.drop();
      });
      const get = () => {
        if (!t) throw new Error('test database not ready');
        return t;
      };
      fn({ db: () => get().db, backend, testDb: get });
    });
  }
}
