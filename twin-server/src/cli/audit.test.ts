import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../db/testing.ts';
import { randomBytes } from 'node:crypto';
import { appendAudit, auditHead, FileAnchorSink, legacyRowHash, setAuditKey, type AuditRow } from '../auth/audit.ts';
import { parseArgs } from './args.ts';
import { runAudit } from './audit.ts';
import { runUser } from './user.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** This process's audit key; the CLI subprocess gets it as TWIN_AUDIT_KEY. */
const KEY = randomBytes(32);
setAuditKey(KEY);

describeEachBackend('twin audit / twin user', ({ db, backend, testDb }) => {
  const sink = new FileAnchorSink(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'audit-cli-')), 'audit-anchors.jsonl'));
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAudit(db(), parseArgs(argv), (l) => out.push(l), (l) => err.push(l), { sink });
    return { code, out, err };
  };

  it('verifies an intact chain and exports lines plus the head for anchoring', async () => {
    for (let i = 0; i < 12; i++) {
      await db().transaction((tx) => appendAudit(tx, { action: 'test.event', outcome: 'success', object: `o${i}` }, new Date()));
    }
    const v = await run(['verify']);
    expect(v.code).toBe(0);
    expect(v.out[0]).toMatch(/intact: 12 rows/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'audit-')), 'audit.jsonl');
    const e = await run(['export', '--out', file]);
    expect(e.code).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(13);
    const head = await auditHead(db());
    expect(JSON.parse(lines[12]!)).toEqual({ head: { seq: head.seq, hash: head.hash } });
    expect(e.err[0]).toContain(`--anchor ${head.seq}:${head.hash}`);
    expect((await run(['verify', '--anchor', `${head.seq}:${head.hash}`])).code).toBe(0);
    expect((await run(['verify', '--anchor', `${head.seq}:${'0'.repeat(64)}`])).code).toBe(1);
  });

  it('unlocks and resets accounts from the console, audited', async () => {
    const out: string[] = [];
    expect(await runUser(db(), parseArgs(['reset-password', 'nobody']), (l) => out.push(l))).toBe(1);
    await db().query(`INSERT INTO app_user (username, display_name, password_hash, roles, password_changed_at, created_at, locked_until)
      VALUES ('locked.out', 'x', 'x', '{system_admin}', now(), now(), now() + interval '1 hour')`);
    expect(await runUser(db(), parseArgs(['reset-password', 'locked.out']), (l) => out.push(l))).toBe(0);
    expect(out.at(-1)).toMatch(/one-time password \S{20}/);
    const u = await db().query<{ locked_until: Date | null; must_change_password: boolean }>("SELECT locked_until, must_change_password FROM app_user WHERE username = 'locked.out'");
    expect(u.rows[0]).toEqual({ locked_until: null, must_change_password: true });
    expect((await run(['verify'])).out[0]).toMatch(/intact: 13 rows/);
  });

  it('anchors the head in the sink, and verify catches a truncation and a keyless rewrite through it', async () => {
    const a = await run(['anchor']);
    expect(a.code).toBe(0);
    const head = await auditHead(db());
    expect(a.out[0]).toBe(`anchored head ${head.seq}:${head.hash} in ${sink.description}`);
    const ok = await run(['verify']);
    expect(ok.code).toBe(0);
    expect(ok.out[0]).toMatch(/intact: 13 rows .*; 1 anchors checked/);
    // The same anchors read from a copy kept elsewhere.
    const copy = path.join(path.dirname(sink.description), 'copy.jsonl');
    fs.copyFileSync(sink.description, copy);
    expect((await run(['verify', '--anchors', copy])).code).toBe(0);
    await expect(run(['verify', '--anchors', `${copy}.missing`])).rejects.toThrow(/no such file/);
    // Cut the newest row (a superuser, triggers off): the anchor notices.
    await db().exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
    const last = (await db().query<AuditRow>('SELECT * FROM audit_log WHERE seq = $1', [head.seq])).rows[0]!;
    await db().query('DELETE FROM audit_log WHERE seq = $1', [head.seq]);
    const cut = await run(['verify']);
    expect(cut.code).toBe(1);
    expect(cut.err[0]).toMatch(new RegExp(`BROKEN at row ${head.seq}: row ${head.seq}, anchored in .* is missing \\(the log was truncated\\)`));
    // Put it back forged with the keyless hash of the old code: still refused.
    const forged = { ...last, object: 'nothing-to-see', key_id: null };
    await db().query(`INSERT INTO audit_log (seq, at, actor_kind, actor_id, actor_name, action, object, outcome, source, detail, prev_hash, hash, key_id)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL)`, [forged.seq, forged.at, forged.actor_kind, forged.actor_id, forged.actor_name,
      forged.action, forged.object, forged.outcome, forged.source, forged.detail, forged.prev_hash, legacyRowHash(forged)]);
    expect((await run(['verify'])).err[0]).toMatch(new RegExp(`BROKEN at row ${head.seq}: .*keyless hash`));
    if (backend === 'postgres') {
      // The same through the real console command, with the key and the anchor file from the environment.
      const r = await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), ['twin-server/src/main.ts', 'audit', 'verify'], {
        cwd: ROOT, env: { ...process.env, DATABASE_URL: testDb().url!, TWIN_LOG_LEVEL: 'silent', TWIN_AUDIT_KEY: KEY.toString('hex'), TWIN_AUDIT_ANCHOR: sink.description },
      }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`BROKEN at row ${head.seq}: .*keyless hash after the chain was keyed`));
    }
    await db().query('DELETE FROM audit_log WHERE seq = $1', [head.seq]);
    await db().query(`INSERT INTO audit_log (seq, at, actor_kind, actor_id, actor_name, action, object, outcome, source, detail, prev_hash, hash, key_id)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, [last.seq, last.at, last.actor_kind, last.actor_id, last.actor_name,
      last.action, last.object, last.outcome, last.source, last.detail, last.prev_hash, last.hash, last.key_id]);
    await db().exec('ALTER TABLE audit_log ENABLE TRIGGER USER');
    expect((await run(['verify'])).code).toBe(0);
  });

  it('exits 1 naming the first broken row after tampering (run as the real CLI process)', async () => {
    await db().exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await db().query("UPDATE audit_log SET outcome = 'failure' WHERE seq = 5");
    await db().exec('ALTER TABLE audit_log ENABLE TRIGGER USER');
    const v = await run(['verify']);
    expect(v.code).toBe(1);
    expect(v.err[0]).toMatch(/BROKEN at row 5/);
    if (backend !== 'postgres') return; // the subprocess needs a server it can reach by URL
    const exec = promisify(execFile);
    const r = await exec(path.join(ROOT, 'node_modules/.bin/tsx'), ['twin-server/src/main.ts', 'audit', 'verify'], {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: testDb().url!, TWIN_LOG_LEVEL: 'silent', TWIN_AUDIT_KEY: KEY.toString('hex'), TWIN_AUDIT_ANCHOR: 'off' },
    }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BROKEN at row 5/);
    // Without the key (none given, none in the data folder) verify refuses to run rather than invent one.
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-nokey-'));
    const { TWIN_AUDIT_KEY: _unset, ...env } = process.env;
    const nokey = await exec(path.join(ROOT, 'node_modules/.bin/tsx'), ['twin-server/src/main.ts', 'audit', 'verify'], {
      cwd: ROOT, env: { ...env, DATABASE_URL: testDb().url!, TWIN_LOG_LEVEL: 'silent', TWIN_DATA_DIR: empty },
    }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
    expect(nokey.code).toBe(1);
    expect(nokey.stderr).toMatch(/no audit key/);
    expect(fs.readdirSync(empty)).toEqual([]);
  });
});
