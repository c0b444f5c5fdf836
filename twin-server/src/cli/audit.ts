/**
 * `twin audit verify|export|purge|anchor`: check the keyed hash chain against its off-database
 * anchors (exit 1 and the first broken row on tampering or truncation), export JSON lines plus the
 * head for off-host anchoring, apply retention, and anchor the head now.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../config.ts';
import { openDb, migrate, type Db } from '../db/index.ts';
import { loadAuthSettings } from '../auth/config.ts';
import {
  anchorSinkFor, auditHead, ensureKeyedChain, exportAudit, findAuditKey, FileAnchorSink, loadAuditKey, purgeAudit, setAuditKey,
  signAnchor, verifyAudit, type AnchorSink, type AuditAnchor,
} from '../auth/audit.ts';
import { UsageError, type Args } from './args.ts';
import type { Command } from './command.ts';

const USAGE = `twin audit verify [--anchor SEQ:HASH[,SEQ:HASH...]] [--anchors FILE]
                                              (checks every row's HMAC and the anchors in TWIN_AUDIT_ANCHOR,
                                               or in FILE, e.g. a copy kept on another host)
       twin audit export [--out FILE] [--after SEQ]   (JSON lines; the head is printed last and to stderr)
       twin audit anchor                             (append the current head to the anchor sink now)
       twin audit purge                              (delete rows older than TWIN_AUDIT_RETENTION_DAYS, >= 183)
The chain is keyed with TWIN_AUDIT_KEY or <TWIN_DATA_DIR>/audit.key, which verification needs.`;

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

/** What the audit commands need besides the database. */
export interface AuditCliOptions {
  /** The configured anchor sink (TWIN_AUDIT_ANCHOR); null or absent: none. */
  readonly sink?: AnchorSink | null;
}

/** Runs one audit subcommand against an open database; returns the exit code. */
export async function runAudit(db: Db, args: Args, out: (line: string) => void, err: (line: string) => void, opts: AuditCliOptions = {}): Promise<number> {
  const sub = args.positional[0];
  if (sub === 'verify') {
    const file = args.flags.anchors;
    if (file === true) throw new UsageError('--anchors needs a file');
    const sink = file ? new FileAnchorSink(path.resolve(file)) : opts.sink ?? null;
    if (file && !fs.existsSync(sink!.description)) throw new UsageError(`--anchors ${file}: no such file`);
    const r = await verifyAudit(db, { anchors: parseAnchors(args.flags.anchor), sink });
    if (!r.ok) {
      err(`AUDIT CHAIN BROKEN at row ${r.brokenAt}: ${r.reason} (${r.rows} rows verified before it)`);
      return 1;
    }
    out(`audit chain intact: ${r.rows} rows from ${r.from.seq} to ${r.head.seq}; head ${r.head.seq}:${r.head.hash}`
      + `; ${r.anchors} anchors checked${sink ? ` (${sink.description})` : ''}`
      + (r.legacyRows > 0 ? `; ${r.legacyRows} rows from before the keyed chain, pinned by its boundary row` : ''));
    if (!sink) err('warning: no anchor sink (TWIN_AUDIT_ANCHOR=off): truncation of the newest rows cannot be detected without --anchor');
    else if (r.anchors === 0) err(`warning: ${sink.description} holds no anchors yet: truncation of the newest rows cannot be detected`);
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
  if (sub === 'anchor') {
    if (!opts.sink) throw new UsageError('no anchor sink: TWIN_AUDIT_ANCHOR is off');
    await ensureKeyedChain(db, new Date());
    const head = await auditHead(db);
    if (head.seq === 0) {
      out('the audit trail is empty: nothing to anchor');
      return 0;
    }
    await opts.sink.append(signAnchor(head, new Date()));
    out(`anchored head ${head.seq}:${head.hash} in ${opts.sink.description}`);
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

/** The data folder the server uses for its key files (the embedded database's folder, or TWIN_DATA_DIR). */
function dataDirOf(config: Config): string {
  return config.db.backend === 'pglite' ? config.db.dataDir : path.resolve(process.env.TWIN_DATA_DIR || './.twin-data');
}

/** `twin audit ...` */
export const auditCommand: Command = {
  summary: 'verify, export, anchor or purge the keyed, hash-chained audit trail',
  usage: USAGE,
  async run(args) {
    const config = loadConfig();
    const settings = loadAuthSettings();
    const dataDir = dataDirOf(config);
    const sub = args.positional[0];
    if (sub === 'verify' || sub === 'export') {
      // Verification never invents a key: a new one would only make every keyed row look forged.
      const key = findAuditKey(settings.auditKey, dataDir);
      if (!key) {
        console.error(`no audit key: TWIN_AUDIT_KEY is not set and ${path.join(dataDir, 'audit.key')} does not exist (run where the server keeps its data folder)`);
        return 1;
      }
      setAuditKey(key);
    } else {
      setAuditKey(loadAuditKey(settings.auditKey, dataDir, (m) => console.error(`warning: ${m}`)));
    }
    const db = await openDb(config.db);
    try {
      await migrate(db);
      return await runAudit(db, args, (l) => console.log(l), (l) => console.error(l), { sink: anchorSinkFor(settings.auditAnchor, dataDir) });
    } finally {
      await db.close();
    }
  },
};
