import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './types.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** One numbered plain-SQL migration file. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
}

/** Where the database stands. */
export interface MigrationStatus {
  readonly level: number;
  readonly applied: readonly number[];
  readonly latest: number;
}

/** Lists `NNN_name.sql` files in order; duplicate numbers are a packaging error. */
export async function listMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{3,})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new Error(`migration file ${file} must be named NNN_snake_name.sql`);
    const version = Number(m[1]);
    if (out.some((o) => o.version === version)) throw new Error(`two migrations share number ${version}`);
    out.push({ version, name: m[2]!, file: path.join(dir, file) });
  }
  return out;
}

/**
 * Applies pending migrations in order, each in its own transaction, under an advisory lock so
 * two servers starting against one PostgreSQL do not race.
 */
export async function migrate(
  db: Db,
  opts: { dir?: string; onApply?: (m: Migration) => void } = {},
): Promise<MigrationStatus> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const all = await listMigrations(opts.dir);
  const applied: number[] = [];
  for (const m of all) {
    const sql = await fs.readFile(m.file, 'utf8');
    const did = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(72007001)');
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.rows.length > 0) return false;
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (did) opts.onApply?.(m);
  }
  const r = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  for (const row of r.rows) applied.push(row.version);
  return { level: applied.at(-1) ?? 0, applied, latest: all.at(-1)?.version ?? 0 };
}

/** Reads the migration level without applying anything (for /api/health). */
export async function migrationStatus(db: Db, dir?: string): Promise<MigrationStatus> {
  const all = await listMigrations(dir);
  const r = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  const applied = r.rows.map((x) => x.version);
  return { level: applied.at(-1) ?? 0, applied, latest: all.at(-1)?.version ?? 0 };
}
