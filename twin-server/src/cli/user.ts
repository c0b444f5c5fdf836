/**
 * `twin user list|unlock|reset-password|disable|enable`: recovery from the server's console.
 * Administrator accounts (system, security, audit) cannot be reset, disabled or deleted by any
 * administrator through the API (three-administrator separation, Y6), so this console is the
 * only way to recover or retire one. Every change is audited as done from the console, and the
 * one-time password goes to this terminal only, never to a log.
 */
import { loadConfig } from '../config.ts';
import { openDb, migrate, type Db } from '../db/index.ts';
import { appendAudit } from '../auth/audit.ts';
import { generatePassword, hashPassword } from '../auth/password.ts';
import { UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';

const SUBCOMMANDS = ['unlock', 'reset-password', 'disable', 'enable'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

const AUDIT_ACTION: Record<Sub, string> = {
  'unlock': 'user.unlock', 'reset-password': 'user.password.reset', 'disable': 'user.disable', 'enable': 'user.enable',
};

/** Runs one user subcommand against an open database; returns the exit code. */
export async function runUser(db: Db, args: Args, out: (line: string) => void, now: () => Date = () => new Date()): Promise<number> {
  const [sub, name] = args.positional;
  if (sub === 'list') {
    const r = await db.query<{ username: string; roles: string[]; disabled: boolean; locked: boolean; must_change_password: boolean }>(
      `SELECT u.username, u.roles, u.disabled, u.must_change_password,
         EXISTS (SELECT 1 FROM auth_login_throttle t WHERE t.username = u.username AND t.locked_until > $1) AS locked
       FROM app_user u ORDER BY u.username`, [now()]);
    for (const u of r.rows) {
      const flags = [u.disabled && 'disabled', u.locked && 'locked', u.must_change_password && 'must-change-password'].filter(Boolean);
      out(`${u.username.padEnd(24)} ${u.roles.join(',') || '(no roles)'} ${flags.join(' ')}`);
    }
    return 0;
  }
  if (!SUBCOMMANDS.includes(sub as Sub)) throw new UsageError(sub ? `unknown user command ${sub}` : 'which user command?');
  const op = sub as Sub;
  if (!name) throw new UsageError('which user?');
  const pw = op === 'reset-password' ? generatePassword() : null;
  const hash = pw ? await hashPassword(pw) : null;
  const at = now();
  const found = await db.transaction(async (tx) => {
    const u = await tx.query<{ id: string; roles: string[] }>('SELECT id, roles FROM app_user WHERE username = $1 FOR UPDATE', [name]);
    const id = u.rows[0]?.id;
    if (!id) return false;
    let ended = 0;
    if (op === 'reset-password') {
      await tx.query('UPDATE app_user SET password_hash = $2, must_change_password = true, password_changed_at = $3 WHERE id = $1', [id, hash, at]);
    } else if (op === 'disable' || op === 'enable') {
      await tx.query('UPDATE app_user SET disabled = $2 WHERE id = $1', [id, op === 'disable']);
    }
    if (op === 'reset-password' || op === 'unlock') {
      // Login failures are counted per (username, source); the console lifts them all.
      await tx.query('DELETE FROM auth_login_throttle WHERE username = $1', [name]);
      await tx.query('UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1', [id]);
    }
    if (op === 'reset-password' || op === 'disable') {
      const r = await tx.query(`UPDATE auth_session SET ended_at = $2, end_reason = $3 WHERE user_id = $1 AND ended_at IS NULL`,
        [id, at, op === 'disable' ? 'user-disabled' : 'revoked']);
      ended = r.rowCount;
    }
    await appendAudit(tx, { action: AUDIT_ACTION[op], outcome: 'success', actor: { kind: 'system', name: 'console' }, object: `user:${name}`,
      detail: { roles: u.rows[0]!.roles, ...(ended ? { sessionsEnded: ended } : {}) } }, at);
    return true;
  });
  if (!found) {
    out(`no user ${name}`);
    return 1;
  }
  out(pw ? `${name}: one-time password ${pw} (must be changed at next login)` : `${name}: ${op === 'unlock' ? 'unlocked' : `${op}d`}`);
  return 0;
}

/** `twin user ...` */
export const userCommand: Command = {
  summary: 'list accounts, unlock, disable or enable one, or issue a one-time password (console recovery, incl. administrators)',
  usage: 'twin user list | twin user unlock NAME | twin user reset-password NAME | twin user disable NAME | twin user enable NAME',
  async run(args) {
    const db = await openDb(loadConfig().db);
    try {
      await migrate(db);
      return await runUser(db, args, (l) => console.log(l));
    } finally {
      await db.close();
    }
  },
};
