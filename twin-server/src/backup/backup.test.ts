/**
 * `twin backup` / `twin restore` through the real CLI, on the embedded PGlite folder and on a
 * PostgreSQL database: backup, change data (and lose the data key), restore, and the data, the
 * personal fields (data.key restored) and the audit chain (`twin audit verify`) are back; a cut,
 * a corrupted and a mismatched archive are refused without touching the target.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDb, migrate, type Db } from '../db/index.ts';
import { createScratchDatabase, type ScratchDb } from '../db/scratch.ts';
import { loadConfig } from '../config.ts';
import { DataCipher, loadDataKey } from '../auth/crypto.ts';
import { appendAudit, auditHead, FileAnchorSink, loadAuditKey, setAuditKey, signAnchor } from '../auth/audit.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const PG_ADMIN_URL = process.env.TWIN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs the CLI as an operator would; never throws, returns exit code and output. */
async function twin(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [path.join(ROOT, 'twin-server/bin/twin.mjs'), ...args], {
      cwd: ROOT, env: { ...process.env, TWIN_LOG_LEVEL: 'silent', TWIN_AUDIT_KEY: '', TWIN_DATA_KEY: '', TWIN_AUDIT_ANCHOR: '', DATABASE_URL: '', ...env }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

/** Writes what the test checks later: a user with an encrypted phone, audit rows, an anchor. */
async function seed(db: Db, dataDir: string): Promise<{ userId: number; phone: string }> {
  const cipher = new DataCipher(loadDataKey(undefined, dataDir, () => {}));
  setAuditKey(loadAuditKey(undefined, dataDir, () => {}));
  const u = await db.query<{ id: number }>(`INSERT INTO app_user (username, display_name, password_hash, roles, password_changed_at, created_at)
    VALUES ('backup.person', 'Backup Person', 'x', '{}', now(), now()) RETURNING id`);
  const id = u.rows[0]!.id;
  const phone = '+86 138 0000 1234';
  await db.query('UPDATE app_user SET phone_enc = $2 WHERE id = $1', [id, cipher.encrypt(phone, `app_user.phone:${id}`)]);
  for (let i = 0; i < 5; i++) await db.transaction((tx) => appendAudit(tx, { action: 'test.before-backup', outcome: 'success', object: `o${i}` }, new Date()));
  await new FileAnchorSink(path.join(dataDir, 'audit-anchors.jsonl')).append(signAnchor(await auditHead(db), new Date()));
  return { userId: id, phone };
}

/** Changes what the backup holds, anchors the change, and replaces data.key with another key. */
async function damage(db: Db, dataDir: string, userId: number): Promise<void> {
  await db.query("UPDATE app_user SET display_name = 'changed after backup', phone_enc = NULL WHERE id = $1", [userId]);
  await db.query("INSERT INTO app_user (username, display_name, password_hash, roles, password_changed_at, created_at) VALUES ('after.backup', 'x', 'x', '{}', now(), now())");
  await db.transaction((tx) => appendAudit(tx, { action: 'test.after-backup', outcome: 'success', object: 'x' }, new Date()));
  await new FileAnchorSink(path.join(dataDir, 'audit-anchors.jsonl')).append(signAnchor(await auditHead(db), new Date()));
  fs.writeFileSync(path.join(dataDir, 'data.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
}

/** What the restored twin must show: the row as backed up, the phone decrypting under the restored key. */
async function expectRestored(db: Db, dataDir: string, userId: number, phone: string): Promise<void> {
  const r = await db.query<{ display_name: string; phone_enc: string | null }>('SELECT display_name, phone_enc FROM app_user WHERE id = $1', [userId]);
  expect(r.rows[0]!.display_name).toBe('Backup Person');
  const cipher = new DataCipher(loadDataKey(undefined, dataDir, () => { throw new Error('data.key missing after restore'); }));
  expect(cipher.decrypt(r.rows[0]!.phone_enc!, `app_user.phone:${userId}`)).toBe(phone);
  expect((await db.query("SELECT 1 FROM app_user WHERE username = 'after.backup'")).rows.length).toBe(0);
  const audit = await db.query<{ action: string }>("SELECT action FROM audit_log WHERE action LIKE 'backup.%' OR action LIKE 'test.%' ORDER BY seq");
  expect(audit.rows.map((x) => x.action)).toEqual([...Array(5).fill('test.before-backup'), 'backup.created', 'backup.restored']);
}

describe('twin backup / twin restore [pglite]', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-backup-'));
  const dataDir = path.join(root, 'data');
  const env = { TWIN_DATA_DIR: dataDir };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('round-trips the folder, keys, anchors and uploads; refuses a cut archive without touching the folder', async () => {
    const config = loadConfig(env);
    let db = await openDb(config.db);
    await migrate(db);
    const { userId, phone } = await seed(db, dataDir);
    await db.close();
    fs.mkdirSync(path.join(dataDir, 'attachments', 'x'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'attachments', 'x', 'photo.jpg'), 'uploaded bytes');

    const archive = path.join(root, 'b.twinbak');
    const b = await twin(['backup', '--out', archive], env);
    expect(b.code, b.err).toBe(0);
    expect(b.err).toMatch(/TWIN_BACKUP_PASSPHRASE is not set/);
    expect(b.err).toMatch(/snapshot of the PGlite folder/);
    expect(fs.statSync(archive).mode & 0o777).toBe(0o600);
    const check = await twin(['restore', archive, '--check'], env);
    expect(check.code, check.err).toBe(0);
    const manifest = JSON.parse(check.out) as { backend: string; keys: unknown; entries: { name: string; secret: boolean }[]; migration: { level: number } };
    expect(manifest.backend).toBe('pglite');
    expect(manifest.keys).toEqual({ data: 'file', audit: 'file' });
    expect(manifest.migration.level).toBeGreaterThan(0);
    expect(manifest.entries.filter((e) => e.secret).map((e) => e.name).sort()).toEqual(['files/audit-anchors.jsonl', 'files/audit.key', 'files/data.key']);
    expect(manifest.entries.map((e) => e.name)).toContain('files/attachments/x/photo.jpg');

    db = await openDb(config.db);
    await damage(db, dataDir, userId);
    await db.close();
    fs.rmSync(path.join(dataDir, 'attachments'), { recursive: true });
    const keyAfterDamage = fs.readFileSync(path.join(dataDir, 'data.key'), 'utf8');

    // A cut archive and one flipped byte: refused before anything is touched.
    const bytes = fs.readFileSync(archive);
    fs.writeFileSync(path.join(root, 'cut.twinbak'), bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const cut = await twin(['restore', path.join(root, 'cut.twinbak')], env);
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(/restore refused: the archive is cut short/);
    const flipped = Buffer.from(bytes);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 100) ^ 0xff, flipped.length - 100);
    fs.writeFileSync(path.join(root, 'flip.twinbak'), flipped);
    const flip = await twin(['restore', path.join(root, 'flip.twinbak')], env);
    expect(flip.code).toBe(1);
    expect(flip.err).toMatch(/restore refused: entry .* is corrupt \(SHA-256 mismatch\)/);
    expect(fs.readFileSync(path.join(dataDir, 'data.key'), 'utf8')).toBe(keyAfterDamage);
    expect(fs.readdirSync(root).filter((n) => n.includes('.restore-'))).toEqual([]);
    db = await openDb(config.db);
    expect((await db.query("SELECT 1 FROM app_user WHERE username = 'after.backup'")).rows.length).toBe(1);
    await db.close();

    const r = await twin(['restore', archive], env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/previous one is kept as .*data\.before-restore-/);
    expect(fs.readFileSync(path.join(dataDir, 'attachments', 'x', 'photo.jpg'), 'utf8')).toBe('uploaded bytes');
    expect(fs.statSync(path.join(dataDir, 'data.key')).mode & 0o777).toBe(0o600);
    db = await openDb(config.db);
    try {
      await expectRestored(db, dataDir, userId, phone);
    } finally {
      await db.close();
    }
    const v = await twin(['audit', 'verify'], env);
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/audit chain intact: .*anchors checked/);
  }, 300_000);
});

describe.skipIf(inject('pgMissing') !== null)('twin backup / twin restore [postgres]', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-backup-pg-'));
  const dataDir = path.join(root, 'data');
  let scratch: ScratchDb | undefined;
  const extra: string[] = [];
  afterAll(async () => {
    await scratch?.drop();
    const a = new pg.Client({ connectionString: PG_ADMIN_URL });
    await a.connect();
    try {
      for (const name of extra) await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await a.end();
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('round-trips an encrypted pg_dump archive into a fresh database and swaps; refuses a wrong passphrase and a cut file', async () => {
    scratch = await createScratchDatabase(PG_ADMIN_URL, 'twin_backup');
    const env = { TWIN_DATA_DIR: dataDir, DATABASE_URL: scratch.url, TWIN_BACKUP_PASSPHRASE: 'correct horse battery staple' };
    fs.mkdirSync(dataDir, { recursive: true });
    const { userId, phone } = await seed(scratch.db, dataDir);
    await scratch.db.close();

    const archive = path.join(root, 'pg.twinbak');
    const b = await twin(['backup', '--out', archive], env);
    expect(b.code, b.err).toBe(0);
    expect(b.err).toMatch(/pg_dump \(custom format\)/);
    expect(b.err).toMatch(/encrypted \(AES-256-GCM/);
    expect(fs.readFileSync(archive).subarray(0, 40).toString()).toMatch(/^PARKTWIN-BACKUP 1 aes-256-gcm\n/);
    expect(fs.readFileSync(archive).includes(Buffer.from('app_user'))).toBe(false);

    let db = await openDb({ backend: 'postgres', url: scratch.url });
    await damage(db, dataDir, userId);
    await db.close();

    const wrong = await twin(['restore', archive], { ...env, TWIN_BACKUP_PASSPHRASE: 'not the passphrase' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/does not authenticate: wrong passphrase, or the file is corrupt or cut short/);
    const bytes = fs.readFileSync(archive);
    fs.writeFileSync(path.join(root, 'cut.twinbak'), bytes.subarray(0, bytes.length - 1000));
    const cut = await twin(['restore', path.join(root, 'cut.twinbak')], env);
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(/does not authenticate/);
    const pglite = await twin(['restore', archive], { TWIN_DATA_DIR: path.join(root, 'other'), TWIN_BACKUP_PASSPHRASE: env.TWIN_BACKUP_PASSPHRASE });
    expect(pglite.code).toBe(1);
    expect(pglite.err).toMatch(/holds a postgres database, but this server is configured for pglite/);
    db = await openDb({ backend: 'postgres', url: scratch.url });
    expect((await db.query("SELECT 1 FROM app_user WHERE username = 'after.backup'")).rows.length).toBe(1);
    await db.close();

    const r = await twin(['restore', archive], env);
    expect(r.code, r.err).toBe(0);
    const kept = /kept as (\S+)/.exec(r.out)?.[1];
    expect(kept).toMatch(/^twin_backup_.*_before_restore_/);
    extra.push(kept!);
    db = await openDb({ backend: 'postgres', url: scratch.url });
    try {
      await expectRestored(db, dataDir, userId, phone);
    } finally {
      await db.close();
    }
    const v = await twin(['audit', 'verify'], env);
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
  }, 300_000);
});
