/**
 * `twin user list|unlock|reset-password`: recovery from the server's console when no
 * administrator can log in. Every change is audited as done from the console.
 */
import { loadConfig } from '../config.ts';
import { openDb, migrate, type Db } from '../db/index.ts';
import { appendAudit } from '../auth/audit.ts';
import { generatePassword, hashPassword } from '../auth/password.ts';
import { UsageError, type Args } from './args.ts';
import type { Command } from './commands.ts';

/** Runs one user subcommand against an open database; returns the exit code. */
export async function runUser(db: Db, args: Args, out: (line: string) => void): Promise<number> {
  const [sub, name] = args.positional;
  if (sub === 'list') {
    const r = await db.query<{ username: string; roles: string[]; disabled: boolean; locked_until: Date | null; must_change_password: boolean }>(
      'SELECT username, roles, disabled, locked_until, must_change_password FROM app_user ORDER BY username');
    for (const u of r.rows) {
      const flags = [u.disabled && 'disabled', u.locked_until && u.locked_until > new Date() && 'locked', u.must_change_password && 'must-change-password'].filter(Boolean);
      out(`${u.username.padEnd(24)} ${u.roles.join(',') || '(no roles)'} ${flags.join(' ')}`);
    }
    return 0;
  }
  if (sub !== 'unlock' && sub !== 'reset-password') throw new UsageError(sub ? `unknown user command ${sub}` : 'which user command?');
  if (!name) throw new UsageError('which user?');
  const pw = sub === 'reset-password' ? generatePassword() : null;
  const hash = pw ? await hashPassword(pw) : null;
  const found = await db.transaction(async (tx) => {
    const r = await tx.query<{ id: string }>(
      `UPDATE app_user SET failed_logins = 0, locked_until = NULL,
         password_hash = COALESCE($2, password_hash), must_change_password = must_change_password OR $2 IS NOT NULL,
         password_changed_at = CASE WHEN $2 IS NULL THEN password_changed_at ELSE $3 END
       WHERE username = $1 RETURNING id`, [name, hash, new Date()]);
    if (!r.rows[0]) return false;
    if (pw) {
      await tx.query(`UPDATE auth_session SET ended_at = $2, end_reason = 'revoked' WHERE user_id = $1 AND ended_at IS NULL`, [r.rows[0].id, new Date()]);
    }
    await appendAudit(tx, { action: sub === 'unlock' ? 'user.unlock' : 'user.password.reset', outcome: 'success',
      actor: { kind: 'system', name: 'console' }, object: `user:${name}` }, new Date());
    return true;
  });
  if (!found) {
    out(`no user ${name}`);
    return 1;
  }
  out(pw ? `${name}: one-time password ${pw} (must be changed at next login)` : `${name}: unlocked`);
  return 0;
}

/** `twin user ...` */
export const userCommand: Command = {
  summary: 'list accounts, unlock one, or issue a one-time password (console recovery)',
  usage: 'twin user list | twin user unlock NAME | twin user reset-password NAME',
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
