import type { DbConfig } from '../config.ts';
import type { Db } from './types.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export type { Db, Tx, Queryable, QueryResult, Backend } from './types.ts';
export { migrate, migrationStatus, listMigrations, type MigrationStatus } from './migrate.ts';

/** Opens the configured backend: embedded PGlite in a data folder, or PostgreSQL via DATABASE_URL. */
export async function openDb(cfg: DbConfig): Promise<Db> {
  return cfg.backend === 'pglite' ? openPglite({ dataDir: cfg.dataDir }) : openPostgres(cfg.url);
}
