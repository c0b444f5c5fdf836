/**
 * `twin audit verify|export|purge`: check the hash chain (exit 1 and the first broken row on
 * tampering), export JSON lines plus the head hash for off-host anchoring, and apply retention.
 */
import fs from 'node:fs';
import { loadConfig } from '../config.ts';
import { openDb, migrate, type Db } from '../db/index.ts';
import { loadAuthSettings } from '../auth/config.ts';
import { exportAudit, purgeAudit, verifyAudit, type AuditAnchor } from '../auth/audit.ts';
import { UsageError, type Args } from './args.ts';
import type { Command } from './commands.ts';

const USAGE = `twin audit verify [--anchor SEQ:HASH[,SEQ:HASH...]]
       twin audit export [--out FILE] [--after SEQ]   (JSON lines; the head is printed last and to stderr)
       twin audit purge                              (delete rows older than TWIN_AUDIT_RETENTION_DAYS, >= 183)`;

/** Parses `--anchor 12:abcd...,40:ef01...`. */
export function parseAnchors(v: string | true | undefined): AuditAnchor[] {
  if (v === undefined) return [];
  if (v === true) throw new UsageError('--anchor needs SEQ:HASH');
  return v.split(',').map((s) => {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(s.trim());
    if (!m) throw new UsageError(`--anchor ${s}: expected SEQ:HASH (64 hex characters)`);
    return { seq: Number(m[1]), hash: m[2]! };
  });
}

/** Runs one audit subcommand against an open database; returns the exit code. */
export async function runAudit(db: Db, args: Args, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const sub = args.positional[0];
  if (sub === 'verify') {
    const r = await verifyAudit(db, { anchors: parseAnchors(args.flags.anchor) });
    if (!r.ok) {
      err(`AUDIT CHAIN BROKEN at row ${r.brokenAt}: ${r.reason} (${r.rows} rows verified before it)`);
      return 1;
    }
    out(`audit chain intact: ${r.rows} rows from ${r.from.seq} to ${r.head.seq}; head ${r.head.seq}:${r.head.hash}`);
    return 0;
  }
  if (sub === 'export') {
    const file = typeof args.flags.out === 'string' ? args.flags.out : undefined;
    const after = typeof args.flags.after === 'string' ? Number(args.flags.after) : 0;
    if (!Number.isInteger(after) || after < 0) throw new UsageError('--after must be a row number');
    const fd = file ? fs.openSync(file, 'wx', 0o600) : undefined;
    const write = (line: string): void => {
      if (fd === undefined) out(line);
      else fs.writeSync(fd, `${line}\n`);
    };
    try {
      const head = await exportAudit(db, write, after);
      write(JSON.stringify({ head: { seq: head.seq, hash: head.hash } }));
      err(`exported ${head.rows} rows; head ${head.seq}:${head.hash} (keep this line off-host; verify later with --anchor ${head.seq}:${head.hash})`);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    return 0;
  }
  if (sub === 'purge') {
    const days = loadAuthSettings().auditRetentionDays;
    const n = await purgeAudit(db, days, new Date());
    out(`purged ${n} audit rows older than ${days} days (a checkpoint keeps the chain verifiable)`);
    return 0;
  }
  throw new UsageError(sub ? `unknown audit command ${sub}` : 'which audit command?');
}

/** `twin audit ...` */
export const auditCommand: Command = {
  summary: 'verify, export or purge the hash-chained audit trail',
  usage: USAGE,
  async run(args) {
    const config = loadConfig();
    const db = await openDb(config.db);
    try {
      await migrate(db);
      return await runAudit(db, args, (l) => console.log(l), (l) => console.error(l));
    } finally {
      await db.close();
    }
  },
};
