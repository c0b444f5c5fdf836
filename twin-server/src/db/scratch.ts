import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from './types.ts';
import { openPostgres } from './postgres.ts';
import { migrate } from './migrate.ts';

/** A throwaway PostgreSQL database (tests and benchmarks), migrated unless asked otherwise. */
export interface ScratchDb {
  readonly db: Db;
  readonly url: string;
  readonly name: string;
  /** Closes the pool and drops the database (forcing out any leftover connection). */
  drop(): Promise<void>;
}

/**
 * Creates `<prefix>_<random>` on the server at `adminUrl`, opens a pool on it and migrates it.
 * The prefix is checked against a pattern because database names cannot be parameters.
 */
export async function createScratchDatabase(
  adminUrl: string,
  prefix: string,
  opts: { migrate?: boolean; max?: number } = {},
): Promise<ScratchDb> {
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`invalid scratch database prefix ${prefix}`);
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = await openPostgres(url, { max: opts.max ?? 4 });
  const drop = async () => {
    await db.close().catch(() => {});
    const a = new pg.Client({ connectionString: adminUrl });
    await a.connect();
    try {
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await a.end();
    }
  };
  if (opts.migrate ?? true) {
    try {
      await migrate(db);
    } catch (err) {
      await drop();
      throw err;
    }
  }
  return { db, url, name, drop };
}

/** Admin URL of the PostgreSQL server benchmarks create their databases on. */
export const benchAdminUrl = (): string =>
  process.env.TWIN_BENCH_PG_URL ?? process.env.TWIN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
