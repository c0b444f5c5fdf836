/**
 * Embedded backup drill (issue 21 must-show 4, embedded mode), a script:
 *
 *   npx tsx test/cluster/backup-drill.ts [--scale 0.05]
 *
 * `twin seed` into a fresh embedded data folder (PGlite), an uploaded file beside it; row checksums of
 * every table (the query of deploy/pgbackrest/table-checksums.sql); `twin backup` (encrypted with
 * TWIN_BACKUP_PASSPHRASE); the folder is deleted; `twin restore` into a fresh folder: the checksums of
 * every table, data.key and the uploaded file must be identical. Then one byte of a copy of the archive
 * is changed: `twin restore` must refuse it (exit 1) before creating anything. Prints the figures.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openPglite } from '../../twin-server/src/db/pglite.ts';
import type { Queryable } from '../../twin-server/src/db/index.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const BIN = path.join(ROOT, 'twin-server/bin/twin.mjs');
const i = process.argv.indexOf('--scale');
const SCALE = i > 0 ? process.argv[i + 1]! : '0.05';
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
let failed = false;
const check = (ok: boolean, what: string) => {
  console.log(`[backup] ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed = true;
};

/** "schema.table|rows|md5" per table, as deploy/pgbackrest/table-checksums.sql prints them. */
export async function tableChecksums(db: Queryable, skipAudit?: string): Promise<string> {
  const q = await db.query<{ sql: string }>(`SELECT format(
    'SELECT %L AS t, count(*)::int AS n, md5(coalesce(string_agg(h, '''' ORDER BY h), '''')) AS m FROM (SELECT md5(t::text) AS h FROM ONLY %I.%I t) s',
    n.nspname || '.' || c.relname, n.nspname, c.relname) AS sql
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
    ORDER BY n.nspname, c.relname`);
  const out: string[] = [];
  for (const { sql } of q.rows) {
    // The restore appends its own audit row: the table is compared without it.
    const where = skipAudit && sql.includes('public.audit_log') ? sql.replace(/ t\) s$/, ` t WHERE t.action <> '${skipAudit}') s`) : sql;
    const r = (await db.query<{ t: string; n: number; m: string }>(where)).rows[0]!;
    out.push(`${r.t}|${r.n}|${r.m}`);
  }
  return out.join('\n');
}

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-backup-drill-'));
try {
  const data = path.join(dir, 'data');
  const base: NodeJS.ProcessEnv = { ...process.env, TWIN_LOG_LEVEL: 'warn', TWIN_BACKUP_PASSPHRASE: 'drill passphrase, not a real one', TWIN_TILESET_DIR: path.join(dir, 'tiles') };
  for (const k of ['DATABASE_URL', 'MQTT_URL', 'TWIN_BACKUP_DIR']) delete base[k];
  const env = (d: string) => ({ ...base, TWIN_DATA_DIR: d });
  let t0 = performance.now();
  await run(process.execPath, [BIN, 'seed', '--scale', SCALE], { cwd: ROOT, env: env(data), maxBuffer: 64 << 20 });
  // An uploaded file (photos, documents live under the data folder) and the data key.
  fs.mkdirSync(path.join(data, 'uploads/drill'), { recursive: true });
  fs.writeFileSync(path.join(data, 'uploads/drill/photo.bin'), Buffer.from(Array.from({ length: 300_000 }, (_, k) => (k * 7919) % 251)));
  if (!fs.existsSync(path.join(data, 'data.key'))) fs.writeFileSync(path.join(data, 'data.key'), Buffer.alloc(32, 7), { mode: 0o600 });
  console.log(`[backup] seeded (scale ${SCALE}) in ${secs(t0)} s`);

  t0 = performance.now();
  const archive = path.join(dir, 'twin.twinbak');
  await run(process.execPath, [BIN, 'backup', '--out', archive], { cwd: ROOT, env: env(data), maxBuffer: 64 << 20 });
  const backupSecs = secs(t0);
  // After the backup: its own audit row (backup.created) is in the archive too.
  let db = await openPglite({ dataDir: data });
  const before = await tableChecksums(db);
  await db.close();
  const tables = before.split('\n').length;
  const rows = before.split('\n').reduce((s, l) => s + Number(l.split('|')[1]), 0);
  const keyBefore = sha(path.join(data, 'data.key'));
  const fileBefore = sha(path.join(data, 'uploads/drill/photo.bin'));
  const size = fs.statSync(archive).size;
  fs.rmSync(data, { recursive: true, force: true });

  t0 = performance.now();
  const fresh = path.join(dir, 'restored');
  await run(process.execPath, [BIN, 'restore', archive], { cwd: ROOT, env: env(fresh), maxBuffer: 64 << 20 });
  const restoreSecs = secs(t0);
  db = await openPglite({ dataDir: fresh });
  const after = await tableChecksums(db, 'backup.restored');
  await db.close();
  const differing = before.split('\n').filter((l) => !after.split('\n').includes(l));
  check(after === before && sha(path.join(fresh, 'data.key')) === keyBefore && sha(path.join(fresh, 'uploads/drill/photo.bin')) === fileBefore,
    `twin backup (${(size / 1e6).toFixed(1)} MB, encrypted, ${backupSecs} s) -> folder deleted -> twin restore into a fresh folder (${restoreSecs} s): `
    + `${differing.length === 0 ? `all ${tables} table checksums identical` : `${differing.length} tables differ: ${differing.map((l) => l.split('|')[0]).join(', ')}`} (${rows} rows), data.key and the uploaded file identical`);

  const bad = path.join(dir, 'corrupt.twinbak');
  const bytes = fs.readFileSync(archive);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  fs.writeFileSync(bad, bytes);
  const target = path.join(dir, 'never');
  t0 = performance.now();
  const r = await run(process.execPath, [BIN, 'restore', bad], { cwd: ROOT, env: env(target) }).then(() => ({ code: 0, err: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, err: e.stderr }));
  const said = r.err.split('\n').find((l) => /refused/.test(l)) ?? r.err.trim().split('\n').at(-1) ?? '';
  check(r.code === 1 && !fs.existsSync(target), `one changed byte in the archive: twin restore exit ${r.code} in ${secs(t0)} s ("${said.trim()}"), nothing created`);
} catch (err) {
  failed = true;
  console.error('[backup] drill failed:', err);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`[backup] ${failed ? 'FAILED' : 'passed'}`);
process.exit(failed ? 1 : 0);
