/**
 * Backup and restore of one twin (R2, Y2): the database (PostgreSQL: `pg_dump` custom format;
 * embedded PGlite: a snapshot of its data folder), the data key, the audit key, the audit anchor
 * file and the uploaded files of the data folder, in one checksummed archive (archive.ts).
 *
 * Restore is all-or-nothing: the archive is checked completely first; the database is restored
 * into a fresh database (PostgreSQL) or a fresh folder (PGlite) and checked; only then is the old
 * one moved aside (kept as `<name>_before_restore_<stamp>` / `<folder>.before-restore-<stamp>`)
 * and the new one renamed into its place. A failure before the swap removes the fresh copy and
 * leaves the target as it was.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Config } from '../config.ts';
import type { Db } from '../db/types.ts';
import { openDb, migrationStatus, listMigrations } from '../db/index.ts';
import { openPglite } from '../db/pglite.ts';
import { appendAudit } from '../auth/audit.ts';
import { BackupError, decodeArchive, encodeArchive, writeSecretFile, type ArchiveInput, type Manifest } from './archive.ts';

const run = promisify(execFile);

/** Progress lines for long runs (stage and, where known, bytes). */
export type Progress = (line: string) => void;

/** Where the server keeps key files and uploads: the embedded database's folder, or TWIN_DATA_DIR. */
export function dataDirOf(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  return config.db.backend === 'pglite' ? config.db.dataDir : path.resolve(env.TWIN_DATA_DIR?.trim() || './.twin-data');
}

/** Top-level names in a PGlite folder that belong to the database itself (or are transient). */
function isDatabaseFile(top: string): boolean {
  return top === 'base' || top === 'global' || top === 'PG_VERSION' || top === 'video' || /^pg_/.test(top) || /^postgresql/.test(top) || /^postmaster/.test(top)
    || top.includes('.partial-');
}

/** The key files and anchors are secrets; uploads are kept like the database. */
const SECRET_FILES = new Set(['data.key', 'audit.key', 'audit-anchors.jsonl', 'tls-key.pem', 'initial-admin-passwords.txt', 'mqtt-passwords']);

/** Every file of the data folder that is not the database itself, relative paths. */
export function dataFiles(dataDir: string): string[] {
  if (!fs.existsSync(dataDir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(dataDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (!rel && isDatabaseFile(d.name)) continue;
      if (d.isDirectory()) walk(r);
      else if (d.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** The pg_dump / pg_restore of the server's major version (Debian keeps each in /usr/lib/postgresql/N/bin). */
function pgTool(tool: 'pg_dump' | 'pg_restore', serverVersion: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.TWIN_PG_BIN) return path.join(env.TWIN_PG_BIN, tool);
  const major = /^(\d+)/.exec(serverVersion)?.[1];
  const debian = major ? `/usr/lib/postgresql/${major}/bin/${tool}` : '';
  return debian && fs.existsSync(debian) ? debian : tool;
}

function twinVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

/** What createBackup needs. */
export interface BackupOptions {
  readonly config: Config;
  /** The archive to write. */
  readonly out: string;
  /** An open handle on the database (the running server's); without it the CLI opens one (PGlite: the server must be stopped). */
  readonly db?: Db;
  /** Encrypts the archive (TWIN_BACKUP_PASSPHRASE). */
  readonly passphrase?: string | undefined;
  readonly progress?: Progress;
  /** Who asked, for the audit row (`console`, `scheduler`). */
  readonly actor?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Result of a backup. */
export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
  readonly manifest: Manifest;
  readonly encrypted: boolean;
  readonly ms: number;
}

/**
 * Writes a backup archive of the configured twin. The audit row `backup.created` is appended
 * before the dump, so the archive holds the record of its own making.
 */
export async function createBackup(opts: BackupOptions): Promise<BackupResult> {
  const t0 = Date.now();
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? (() => {});
  const { config } = opts;
  const dataDir = dataDirOf(config, env);
  const db = opts.db ?? (await openDb(config.db));
  try {
    progress(`backup of the ${db.backend} database${db.backend === 'pglite' ? ` in ${dataDir}` : ''}`);
    const [versions, status] = await Promise.all([db.versions(), migrationStatus(db)]);
    await db.transaction(async (tx) => {
      await appendAudit(tx, { action: 'backup.created', outcome: 'success', actor: { kind: 'system', name: opts.actor ?? 'console' }, object: 'database', detail: { file: path.basename(opts.out), encrypted: Boolean(opts.passphrase) } }, new Date());
    });
    let dump: ArchiveInput['entries'][number];
    if (db.backend === 'pglite') {
      const withDump = db as Db & { dump?: () => Promise<Blob> };
      if (!withDump.dump) throw new BackupError('this PGlite handle cannot dump its folder');
      await db.exec('CHECKPOINT');
      progress('snapshot of the PGlite folder...');
      dump = { name: 'pgdata.tar.gz', data: Buffer.from(await (await withDump.dump()).arrayBuffer()), secret: false };
    } else {
      if (config.db.backend !== 'postgres') throw new BackupError('the database handle is PostgreSQL but DATABASE_URL is not set');
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-backup-'));
      try {
        const file = path.join(tmp, 'database.pgdump');
        progress(`pg_dump (custom format) of the database...`);
        const timer = setInterval(() => {
          try {
            progress(`  pg_dump: ${mb(fs.statSync(file).size)} so far`);
          } catch { /* not created yet */ }
        }, 5000);
        try {
          await run(pgTool('pg_dump', versions.postgres, env), ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, `--dbname=${config.db.url}`], { maxBuffer: 64 * 1024 * 1024 });
        } catch (err) {
          throw new BackupError(`pg_dump failed: ${String((err as { stderr?: string }).stderr || (err as Error).message).trim()}`);
        } finally {
          clearInterval(timer);
        }
        dump = { name: 'database.pgdump', data: fs.readFileSync(file), secret: false };
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
    progress(`  database: ${mb(dump.data.length)}`);
    const files = dataFiles(dataDir).map((rel) => ({ name: `files/${rel}`, data: fs.readFileSync(path.join(dataDir, rel)), secret: SECRET_FILES.has(rel) }));
    const keySource = (envName: string, file: string): 'file' | 'environment' | 'missing' =>
      env[envName]?.trim() ? 'environment' : files.some((f) => f.name === `files/${file}`) ? 'file' : 'missing';
    progress(`  data folder: ${files.length} files (${mb(files.reduce((n, f) => n + f.data.length, 0))})`);
    const { bytes, manifest } = encodeArchive({
      manifest: {
        format: 1, createdAt: new Date().toISOString(), backend: db.backend, twinVersion: twinVersion(),
        postgres: versions.postgres, postgis: versions.postgis, migration: { level: status.level, latest: status.latest },
        keys: { data: keySource('TWIN_DATA_KEY', 'data.key'), audit: keySource('TWIN_AUDIT_KEY', 'audit.key') },
      },
      entries: [dump, ...files],
    }, opts.passphrase);
    if (opts.passphrase) progress('  encrypted (AES-256-GCM, scrypt passphrase)');
    writeSecretFile(opts.out, bytes);
    progress(`wrote ${opts.out} (${mb(bytes.length)}, mode 0600) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { file: opts.out, bytes: bytes.length, manifest, encrypted: Boolean(opts.passphrase), ms: Date.now() - t0 };
  } finally {
    if (!opts.db) await db.close();
  }
}

/** What restoreBackup needs. */
export interface RestoreOptions {
  readonly config: Config;
  readonly file: string;
  readonly passphrase?: string | undefined;
  readonly progress?: Progress;
  readonly env?: NodeJS.ProcessEnv;
}

/** Result of a restore. */
export interface RestoreResult {
  readonly manifest: Manifest;
  /** Where the replaced database / folder was kept (null when there was none). */
  readonly previous: string | null;
  readonly ms: number;
}

const stampNow = (): string => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '_').toLowerCase();

/** Reads and checks an archive fully (throws BackupError), without touching anything. */
export async function checkBackup(file: string, passphrase?: string): Promise<{ manifest: Manifest; entries: Map<string, Buffer> }> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new BackupError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const archive = decodeArchive(bytes, passphrase);
  const latest = (await listMigrations()).at(-1)?.version ?? 0;
  if (archive.manifest.migration.latest > latest) {
    throw new BackupError(`the archive was made by a newer twin-server (migration ${archive.manifest.migration.latest}, this one knows up to ${latest}): restore it with that version`);
  }
  const dbEntry = archive.manifest.backend === 'pglite' ? 'pgdata.tar.gz' : 'database.pgdump';
  if (!archive.entries.has(dbEntry)) throw new BackupError(`the archive has no ${dbEntry}`);
  return archive;
}

/** Builds the new data folder: the old folder's other files, then the archive's files over them. */
function stageFiles(dataDir: string, staged: string, entries: Map<string, Buffer>): void {
  fs.mkdirSync(staged, { recursive: true, mode: 0o700 });
  for (const rel of dataFiles(dataDir)) {
    const to = path.join(staged, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(dataDir, rel), to);
  }
  for (const [name, data] of entries) {
    if (!name.startsWith('files/')) continue;
    const to = path.join(staged, name.slice('files/'.length));
    if (!to.startsWith(staged + path.sep)) throw new BackupError(`entry ${name} points outside the data folder`);
    writeSecretFile(to, data);
  }
}

/** Appends `backup.restored` to the restored database's audit chain (under the restored audit key). */
async function auditRestore(config: Config, manifest: Manifest, file: string): Promise<void> {
  const db = await openDb(config.db);
  try {
    await db.transaction(async (tx) => {
      await appendAudit(tx, { action: 'backup.restored', outcome: 'success', actor: { kind: 'system', name: 'console' }, object: 'database', detail: { file: path.basename(file), createdAt: manifest.createdAt, migration: manifest.migration.level } }, new Date());
    });
  } finally {
    await db.close();
  }
}

/**
 * Restores an archive over the configured twin (the server must be stopped). Checks the whole
 * archive first, restores into a fresh database / folder, then swaps. The caller sets the audit
 * key afterwards from the restored folder (the CLI does) for the `backup.restored` row.
 */
export async function restoreBackup(opts: RestoreOptions, afterSwap?: (dataDir: string) => void): Promise<RestoreResult> {
  const t0 = Date.now();
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? (() => {});
  const { config } = opts;
  progress(`checking ${opts.file}...`);
  const { manifest, entries } = await checkBackup(opts.file, opts.passphrase);
  progress(`  archive intact: ${manifest.entries.length} entries, ${manifest.backend} database at migration ${manifest.migration.level}, made ${manifest.createdAt} by twin-server ${manifest.twinVersion}`);
  if (manifest.backend !== config.db.backend) {
    throw new BackupError(`the archive holds a ${manifest.backend} database, but this server is configured for ${config.db.backend}${config.db.backend === 'postgres' ? ' (DATABASE_URL is set)' : ' (DATABASE_URL is not set)'}`);
  }
  const dataDir = dataDirOf(config, env);
  const stamp = stampNow();
  const staged = `${dataDir}.restore-${stamp}`;
  let previous: string | null = null;
  if (config.db.backend === 'pglite') {
    if (dataDir.startsWith('memory:')) throw new BackupError('cannot restore into an in-memory database');
    try {
      progress(`restoring the PGlite folder into ${staged}...`);
      const db = await openPglite({ dataDir: staged, loadDataDir: new Blob([new Uint8Array(entries.get('pgdata.tar.gz')!)]) });
      try {
        const status = await migrationStatus(db);
        if (status.level !== manifest.migration.level) throw new BackupError(`the restored database is at migration ${status.level}, the manifest says ${manifest.migration.level}`);
      } finally {
        await db.close();
      }
      stageFiles(dataDir, staged, entries);
    } catch (err) {
      fs.rmSync(staged, { recursive: true, force: true });
      throw err;
    }
    if (fs.existsSync(dataDir)) {
      previous = `${dataDir}.before-restore-${stamp}`;
      fs.renameSync(dataDir, previous);
    }
    fs.renameSync(staged, dataDir);
  } else {
    const url = new URL(config.db.url);
    const target = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(target)) throw new BackupError(`restore needs a plain database name in DATABASE_URL, got ${JSON.stringify(target)}`);
    const fresh = `${target.slice(0, 40)}_restore_${stamp}`;
    const admin = new URL(config.db.url);
    admin.pathname = '/postgres';
    const freshUrl = new URL(config.db.url);
    freshUrl.pathname = `/${fresh}`;
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
      progress(`restoring into the fresh database ${fresh}...`);
      await client.query(`CREATE DATABASE ${fresh}`);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-restore-'));
      try {
        const dumpFile = path.join(tmp, 'database.pgdump');
        fs.writeFileSync(dumpFile, entries.get('database.pgdump')!, { mode: 0o600 });
        try {
          await run(pgTool('pg_restore', version, env), ['--exit-on-error', '--no-owner', '--no-privileges', `--dbname=${freshUrl.toString()}`, dumpFile], { maxBuffer: 64 * 1024 * 1024 });
        } catch (err) {
          throw new BackupError(`pg_restore failed: ${String((err as { stderr?: string }).stderr || (err as Error).message).trim().slice(0, 2000)}`);
        }
        const check = await openDb({ backend: 'postgres', url: freshUrl.toString() });
        try {
          const status = await migrationStatus(check);
          if (status.level !== manifest.migration.level) throw new BackupError(`the restored database is at migration ${status.level}, the manifest says ${manifest.migration.level}`);
        } finally {
          await check.close();
        }
        stageFiles(dataDir, staged, entries);
        const busy = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [target]);
        if ((busy.rows[0]?.n ?? 0) > 0) throw new BackupError(`${busy.rows[0]!.n} sessions are connected to ${target}: stop every twin-server on it first`);
        const exists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [target])).rowCount! > 0;
        await client.query('BEGIN');
        if (exists) {
          previous = `${target.slice(0, 36)}_before_restore_${stamp}`;
          await client.query(`ALTER DATABASE ${target} RENAME TO ${previous}`);
        }
        await client.query(`ALTER DATABASE ${fresh} RENAME TO ${target}`);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        await client.query(`DROP DATABASE IF EXISTS ${fresh} WITH (FORCE)`).catch(() => {});
        fs.rmSync(staged, { recursive: true, force: true });
        throw err;
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    } finally {
      await client.end();
    }
    if (fs.existsSync(dataDir)) fs.renameSync(dataDir, `${dataDir}.before-restore-${stamp}`);
    fs.renameSync(staged, dataDir);
  }
  progress(`restored; the previous ${config.db.backend === 'pglite' ? 'folder' : 'database'} is kept as ${previous ?? '(none)'}`);
  afterSwap?.(dataDir);
  await auditRestore(config, manifest, opts.file);
  return { manifest, previous, ms: Date.now() - t0 };
}
