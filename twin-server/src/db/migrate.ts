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
  /** Versions applied per module (only the modules passed to `migrate`). */
  readonly modules?: Readonly<Record<string, readonly number[]>>;
}

/** A module that may bring its own migrations (`TwinModule.name` and `.migrations`). */
export interface MigratingModule {
  readonly name: string;
  /** Absolute path of its folder of `NNN_snake_name.sql` files. */
  readonly migrations?: string;
}

/** A migration being applied: core ones have no `module`. */
export type AppliedMigration = Migration & { readonly module?: string };

const LOCK_KEY = 72007001;

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
 * two servers starting against one PostgreSQL do not race: first the core ones (recorded in
 * `schema_migrations`), then each of `modules`' own folder in the order given (recorded in
 * `module_migrations (module, version)`, so two modules may both have a `001_`). A module not
 * passed is not migrated; tables it created earlier stay.
 */
export async function migrate(
  db: Db,
  opts: { dir?: string; modules?: readonly MigratingModule[]; onApply?: (m: AppliedMigration) => void } = {},
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
      await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
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
  const status = { level: applied.at(-1) ?? 0, applied, latest: all.at(-1)?.version ?? 0 };
  const withMigrations = (opts.modules ?? []).filter((m) => m.migrations !== undefined);
  if (withMigrations.length === 0) return status;
  return { ...status, modules: await migrateModules(db, withMigrations, opts.onApply) };
}

async function migrateModules(
  db: Db,
  modules: readonly MigratingModule[],
  onApply?: (m: AppliedMigration) => void,
): Promise<Record<string, number[]>> {
  await db.transaction(async (tx) => {
    // Two servers starting together must not both try to create the table.
    await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS module_migrations (
      module text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (module, version)
    )`);
  });
  const out: Record<string, number[]> = {};
  for (const mod of modules) {
    const dir = mod.migrations!;
    if (!path.isAbsolute(dir)) throw new Error(`module ${mod.name}: migrations must be an absolute folder path, got ${dir}`);
    let list: Migration[];
    try {
      list = await listMigrations(dir);
    } catch (err) {
      throw new Error(`module ${mod.name}: migrations in ${dir}: ${(err as Error).message}`, { cause: err });
    }
    for (const m of list) {
      const sql = await fs.readFile(m.file, 'utf8');
      const did = await db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
        const done = await tx.query('SELECT 1 FROM module_migrations WHERE module = $1 AND version = $2', [mod.name, m.version]);
        if (done.rows.length > 0) return false;
        try {
          await tx.exec(sql);
        } catch (err) {
          throw new Error(`module ${mod.name}: migration ${path.basename(m.file)} failed: ${(err as Error).message}`, { cause: err });
        }
        await tx.query('INSERT INTO module_migrations (module, version, name) VALUES ($1, $2, $3)', [mod.name, m.version, m.name]);
        return true;
      });
      if (did) onApply?.({ ...m, module: mod.name });
    }
    const r = await db.query<{ version: number }>('SELECT version FROM module_migrations WHERE module = $1 ORDER BY version', [mod.name]);
    out[mod.name] = r.rows.map((x) => x.version);
  }
  return out;
}

/** Reads the migration level without applying anything (for /api/health). */
export async function migrationStatus(db: Db, dir?: string): Promise<MigrationStatus> {
  const all = await listMigrations(dir);
  const r = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  const applied = r.rows.map((x) => x.version);
  return { level: applied.at(-1) ?? 0, applied, latest: all.at(-1)?.version ?? 0 };
}
