/**
 * `twin restore FILE`: checks the archive completely (manifest, every checksum, or the
 * encryption tag), restores into a fresh database / folder, and only then swaps it in; the old one
 * is kept aside. Stop the server first. A corrupt, cut or mismatched archive is refused before
 * anything is touched.
 */
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { loadAuthSettings } from '../auth/config.ts';
import { findAuditKey, setAuditKey } from '../auth/audit.ts';
import { checkBackup, restoreBackup } from '../backup/backup.ts';
import { BackupError } from '../backup/archive.ts';
import { UsageError } from './args.ts';
import type { Command } from './command.ts';

const USAGE = `twin restore FILE [--check]
  Restores a 'twin backup' archive over the configured twin (DATABASE_URL, or the embedded folder TWIN_DATA_DIR).
  Stop the server first. The previous database / folder is kept as *_before_restore_<time>.
  --check only verifies the archive (manifest and checksums) and prints its manifest.
  Encrypted archives need TWIN_BACKUP_PASSPHRASE.`;

/** `twin restore` */
export const restoreCommand: Command = {
  summary: 'check a backup archive and restore it (all or nothing; the old database is kept aside)',
  usage: USAGE,
  async run(args) {
    const file = args.positional[0];
    if (!file) throw new UsageError('which archive?');
    const passphrase = process.env.TWIN_BACKUP_PASSPHRASE?.trim() || undefined;
    try {
      if (args.flags.check) {
        const { manifest } = await checkBackup(path.resolve(file), passphrase);
        console.log(JSON.stringify(manifest, null, 2));
        console.error('archive intact');
        return 0;
      }
      const config = loadConfig();
      const r = await restoreBackup({ config, file: path.resolve(file), passphrase, progress: (l) => console.error(l) }, (dataDir) => {
        const key = findAuditKey(loadAuthSettings().auditKey, dataDir);
        if (key) setAuditKey(key);
      });
      console.log(`restored ${file} (made ${r.manifest.createdAt}) in ${(r.ms / 1000).toFixed(1)} s${r.previous ? `; the previous one is kept as ${r.previous}` : ''}`);
      if (r.manifest.keys.data === 'environment' || r.manifest.keys.audit === 'environment') {
        console.error('note: the backed-up server took TWIN_DATA_KEY / TWIN_AUDIT_KEY from its environment: set the same values here');
      }
      return 0;
    } catch (err) {
      if (err instanceof BackupError) {
        console.error(`restore refused: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};
