/**
 * pgBackRest drill (issue 21 must-show 4, PostgreSQL mode), a script:
 *
 *   npx tsx test/cluster/pgbackrest-drill.ts [--scale 0.1]
 *
 * Builds a PostgreSQL 15 cluster of its own (temp folder, free port, run as the postgres user) with
 * WAL archiving to pgBackRest (deploy/pgbackrest/render.ts: two encrypted repositories, repo2 the
 * off-site copy), seeds a twin into database `twin` (`twin seed`), then:
 *   1. full backup to repo1 and repo2; more writes; differential backup to repo1; more writes (in WAL only);
 *   2. row checksums of every table (deploy/pgbackrest/table-checksums.sql); `DROP DATABASE twin`;
 *   3. `pgbackrest verify` of both repositories;
 *   4. restore in place from repo1 to the WAL position before the drop (full + diff + WAL): checksums identical;
 *   5. the restore drill command (deploy/pgbackrest/restore-drill.sh) from repo2 (off-site) into a
 *      scratch folder: checksums identical;
 *   6. one byte of a data file in repo1's newest backup is changed: the restore drill command refuses
 *      at its verify step (exit 2) before restoring anything.
 * Prints the figures; exits 1 when a step's result is wrong. Removes everything it made.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { archiveSettings, renderPgbackrestConfig } from '../../deploy/pgbackrest/render.ts';
import { freePort } from './harness.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const PG_BIN = process.env.TWIN_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const SCALE = arg('scale', '0.1');
const root = process.getuid?.() === 0;
const as = (bin: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) =>
  (root ? run('runuser', ['-u', 'postgres', '--', bin, ...args], { maxBuffer: 64 << 20, ...opts }) : run(bin, args, { maxBuffer: 64 << 20, ...opts }));
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
const log = (m: string) => console.log(`[pgbackrest] ${m}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-pgbackrest-'));
if (root) {
  const { stdout: u } = await run('id', ['-u', 'postgres']);
  const { stdout: g } = await run('id', ['-g', 'postgres']);
  fs.chownSync(dir, Number(u), Number(g));
}
fs.chmodSync(dir, 0o755);
const data = path.join(dir, 'data');
const cfg = path.join(dir, 'pgbackrest.conf');
const port = await freePort();
const pgOpts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
const pgctl = (...a: string[]) => as(path.join(PG_BIN, 'pg_ctl'), ['-D', data, ...a]);
const start = () => pgctl('-o', pgOpts, '-l', path.join(dir, 'postgresql.log'), '-w', '-t', '300', 'start');
const psql = async (db: string, sql: string): Promise<string> => (await as('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', db, '-c', sql])).stdout.trim();
const checksums = async (): Promise<string> => (await as('psql', ['-X', '-At', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'twin', '-f', path.join(ROOT, 'deploy/pgbackrest/table-checksums.sql')])).stdout.trim();
const pgbr = (...a: string[]) => as('pgbackrest', [`--config=${cfg}`, '--stanza=twin', '--log-level-console=warn', ...a]);

let failed = false;
const check = (ok: boolean, what: string) => {
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed = true;
};

try {
  for (const d of ['repo1', 'repo2', 'lock', 'log', 'spool']) fs.mkdirSync(path.join(dir, d));
  if (root) await run('chown', ['-R', 'postgres:postgres', dir]);
  fs.writeFileSync(cfg, renderPgbackrestConfig({
    pgPath: data, pgPort: port, pgSocketPath: dir,
    repo1Path: path.join(dir, 'repo1'), repo2Path: path.join(dir, 'repo2'),
    cipherPass: randomBytes(24).toString('base64url'),
    lockPath: path.join(dir, 'lock'), logPath: path.join(dir, 'log'), spoolPath: path.join(dir, 'spool'),
  }), { mode: 0o640 });
  if (root) await run('chown', ['postgres:postgres', cfg]);

  await as(path.join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  fs.appendFileSync(path.join(data, 'postgresql.conf'), `\n# restore drill\n${archiveSettings('twin', cfg)}max_connections = 40\n`);
  await start();
  await pgbr('stanza-create');
  await pgbr('check');
  await psql('postgres', 'CREATE DATABASE twin');
  await psql('twin', 'CREATE EXTENSION postgis');
  const dbUrl = `postgres://postgres@127.0.0.1:${port}/twin`;
  let t0 = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: dbUrl, TWIN_LOG_LEVEL: 'warn', TWIN_DATA_DIR: path.join(dir, 'twin-data') };
  delete env.MQTT_URL;
  await run(process.execPath, [path.join(ROOT, 'twin-server/bin/twin.mjs'), 'seed', '--scale', SCALE], { cwd: ROOT, env, maxBuffer: 64 << 20 });
  const size = await psql('postgres', "SELECT pg_size_pretty(pg_database_size('twin'))");
  log(`twin seeded (scale ${SCALE}, ${size}) in ${secs(t0)} s`);

  // 1. Full to both repositories, writes, differential, writes that only the WAL holds.
  t0 = performance.now();
  await pgbr('--repo=1', '--type=full', 'backup');
  const full1 = secs(t0);
  t0 = performance.now();
  await pgbr('--repo=2', '--type=full', 'backup');
  const full2 = secs(t0);
  await psql('twin', 'CREATE TABLE drill_writes (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), phase text NOT NULL, payload text NOT NULL)');
  await psql('twin', "INSERT INTO drill_writes (phase, payload) SELECT 'after-full', md5(i::text) FROM generate_series(1, 5000) i");
  t0 = performance.now();
  await pgbr('--repo=1', '--type=diff', 'backup');
  const diff1 = secs(t0);
  await psql('twin', "INSERT INTO drill_writes (phase, payload) SELECT 'after-diff', md5(i::text) FROM generate_series(1, 5000) i");
  await psql('twin', "DELETE FROM drill_writes WHERE id % 10 = 0");
  const before = await checksums();
  const tables = before.split('\n').length;
  const rows = before.split('\n').reduce((s, l) => s + Number(l.split('|')[1]), 0);
  // The target: the WAL position after the last write, before the drop (a time target would replay
  // the drop's "database invalid" record, written before its commit: see restore-drill.sh).
  const target = await psql('postgres', 'SELECT pg_current_wal_lsn()');
  await psql('postgres', 'DROP DATABASE twin WITH (FORCE)');
  await psql('postgres', 'SELECT pg_switch_wal()');
  const info = JSON.parse((await pgbr('--output=json', 'info')).stdout) as { backup: { label: string; type: string; info: { size: number; repository: { delta: number } }; database: { 'repo-key': number } }[] }[];
  const backups = info[0]!.backup.map((b) => `${b.type} repo${b.database['repo-key']} ${(b.info.repository.delta / 1e6).toFixed(1)} MB stored of ${(b.info.size / 1e6).toFixed(1)} MB`);
  log(`backups: ${backups.join('; ')}; full repo1 ${full1} s, full repo2 ${full2} s, diff repo1 ${diff1} s`);
  check(before.includes('public.drill_writes|9000|'), `before the drop: ${tables} tables, ${rows} rows checksummed (drill_writes 9,000 rows, 5,000 of them only in WAL)`);

  // 2. Both repositories verify (waits for the async archive of the last WAL segment).
  for (let i = 0; i < 60; i++) {
    const st = await psql('postgres', 'SELECT last_archived_wal IS NOT NULL AND (last_failed_time IS NULL OR last_archived_time > last_failed_time) FROM pg_stat_archiver');
    if (st === 't') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  t0 = performance.now();
  // verify exits 0 even when it finds a bad file (2.45): the text report's status tells.
  const verify = (repo: number) => pgbr(`--repo=${repo}`, '--output=text', '--verbose', 'verify').then((r) => /status: ok/.test(r.stdout) && !/status: error/.test(r.stdout), () => false);
  const v1 = await verify(1);
  const v2 = await verify(2);
  check(v1 && v2, `pgbackrest verify: repo1 ${v1 ? 'ok' : 'FAILED'}, repo2 ${v2 ? 'ok' : 'FAILED'} (${secs(t0)} s)`);

  // 3. Restore in place from repo1 to the time before the drop.
  t0 = performance.now();
  await pgctl('-m', 'fast', '-w', 'stop');
  await pgbr('--repo=1', '--delta', '--type=lsn', `--target=${target}`, '--target-exclusive', '--target-action=promote', 'restore');
  await start();
  for (let i = 0; i < 600 && (await psql('postgres', 'SELECT pg_is_in_recovery()').catch(() => 't')) !== 'f'; i++) await new Promise((r) => setTimeout(r, 500));
  const restoreSecs = secs(t0);
  const after = await checksums();
  const differing = before.split('\n').filter((l) => !after.split('\n').includes(l));
  check(after === before, `in-place restore from repo1 (full + diff + WAL to LSN ${target}) in ${restoreSecs} s: ${differing.length === 0 ? `all ${tables} table checksums identical` : `${differing.length} tables differ: ${differing.slice(0, 5).join(', ')}`}`);

  // 4. The restore drill command from the off-site copy, into a scratch folder.
  const drillPort = await freePort();
  const sumsFile = path.join(dir, 'repo2-checksums.txt');
  fs.writeFileSync(sumsFile, '');
  if (root) await run('chown', ['postgres:postgres', sumsFile]);
  t0 = performance.now();
  const drill = await run(path.join(ROOT, 'deploy/pgbackrest/restore-drill.sh'), ['--config', cfg, '--stanza', 'twin', '--repo', '2', '--db', 'twin',
    '--target-lsn', target, '--port', String(drillPort), '--scratch', path.join(dir, 'drill'), '--pg-bin', PG_BIN, '--checksums', sumsFile], { maxBuffer: 16 << 20 })
    .then((r) => ({ code: 0, out: r.stdout + r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }));
  const sums2 = fs.readFileSync(sumsFile, 'utf8').trim();
  console.log(drill.out.trim().split('\n').map((l) => `    ${l}`).join('\n'));
  check(drill.code === 0 && sums2 === before, `restore drill from repo2 (off-site, full + WAL) in ${secs(t0)} s: exit ${drill.code}, checksums ${sums2 === before ? 'identical' : 'DIFFER'}`);

  // 5. A corrupted backup is found before anything is restored.
  const labels = fs.readdirSync(path.join(dir, 'repo1/backup/twin')).filter((n) => /^\d{8}-\d{6}F$/.test(n)).sort();
  const newest = path.join(dir, 'repo1/backup/twin', labels.at(-1)!);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.includes('/pg_data/base/') && fs.statSync(p).size > 64) files.push(p);
    }
  };
  walk(newest);
  const victim = files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
  const bytes = fs.readFileSync(victim);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x5a;
  fs.writeFileSync(victim, bytes);
  t0 = performance.now();
  const bad = await run(path.join(ROOT, 'deploy/pgbackrest/restore-drill.sh'), ['--config', cfg, '--stanza', 'twin', '--repo', '1', '--db', 'twin',
    '--port', String(drillPort), '--scratch', path.join(dir, 'drill-bad'), '--pg-bin', PG_BIN], { maxBuffer: 16 << 20 })
    .then((r) => ({ code: 0, out: r.stdout + r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }));
  const named = bad.out.split('\n').filter((l) => /invalid|checksum|corrupt|FAILED/i.test(l)).slice(0, 3);
  console.log(named.map((l) => `    ${l.trim().slice(0, 300)}`).join('\n'));
  check(bad.code === 2 && !fs.existsSync(path.join(dir, 'drill-bad/data/PG_VERSION')), `corrupted file in repo1's full backup (${path.relative(newest, victim)}): restore drill exit ${bad.code}, refused at verify in ${secs(t0)} s, nothing restored`);
} catch (err) {
  failed = true;
  console.error('[pgbackrest] drill failed:', err);
  const l = path.join(dir, 'postgresql.log');
  if (fs.existsSync(l)) console.error(fs.readFileSync(l, 'utf8').split('\n').slice(-20).join('\n'));
} finally {
  await pgctl('-m', 'immediate', '-w', 'stop').catch(() => {});
  if (process.env.TWIN_DRILL_KEEP) log(`kept ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}
log(failed ? 'FAILED' : 'passed');
process.exit(failed ? 1 : 0);
