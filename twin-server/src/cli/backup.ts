/**
 * `twin backup [--out FILE]`: writes a checksummed archive of the database, the data key, the
 * audit key, the audit anchors and the uploaded files (backup/backup.ts). Encrypted with
 * TWIN_BACKUP_PASSPHRASE when set; otherwise written 0600 and marked secret. With the embedded
 * database the server must be stopped (the running server makes its own scheduled backups).
 */
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { loadAuthSettings } from '../auth/config.ts';
import { loadAuditKey, setAuditKey } from '../auth/audit.ts';
import { createBackup, dataDirOf } from '../backup/backup.ts';
import { BackupError } from '../backup/archive.ts';
import { backupDirOf, backupFileName } from '../backup/schedule.ts';
import type { Command } from './command.ts';

const USAGE = `twin backup [--out FILE]
  Writes <TWIN_BACKUP_DIR>/${backupFileName(new Date(0)).replace(/\d/g, 'N')} (or FILE): the database, data.key,
  audit.key, the audit anchors and uploaded files, with a manifest of SHA-256 checksums.
  TWIN_BACKUP_PASSPHRASE encrypts it (AES-256-GCM); without it the file is plain, mode 0600: keep it like a password.
  Embedded database: stop the server first (a running server backs itself up every TWIN_BACKUP_INTERVAL_HOURS).`;

/** `twin backup` */
export const backupCommand: Command = {
  summary: 'write a checksummed (optionally encrypted) backup archive: database, keys, anchors, uploads',
  usage: USAGE,
  async run(args) {
    const config = loadConfig();
    const dataDir = dataDirOf(config);
    setAuditKey(loadAuditKey(loadAuthSettings().auditKey, dataDir, (m) => console.error(`warning: ${m}`)));
    const out = typeof args.flags.out === 'string' ? path.resolve(args.flags.out) : path.join(backupDirOf(config), backupFileName(new Date()));
    const passphrase = process.env.TWIN_BACKUP_PASSPHRASE?.trim() || undefined;
    if (!passphrase) console.error('warning: TWIN_BACKUP_PASSPHRASE is not set: the archive is not encrypted and holds data.key and audit.key; keep it like a password');
    try {
      const r = await createBackup({ config, out, passphrase, progress: (l) => console.error(l) });
      console.log(r.file);
      return 0;
    } catch (err) {
      if (err instanceof BackupError) {
        console.error(`backup failed: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
