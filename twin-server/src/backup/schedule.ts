/**
 * Scheduled backups of a running server (both backends; on by default: every 24 h, 7 kept). The
 * job checks every minute whether the newest archive in the backup folder is older than the
 * interval (so a restart does not reset the clock), waits 15 minutes after start before the first
 * one (a first start seeds and tiles first), writes the archive through the server's own database
 * handle (PGlite cannot be opened twice) and deletes the oldest archives beyond TWIN_BACKUP_KEEP.
 * Its state (last success, age, size, last error) is shown by /api/health to `system:read`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { ServerContext } from '../context.ts';
import type { ScheduledJob } from '../modules/types.ts';
import { createBackup, dataDirOf } from './backup.ts';
import { notify } from '../kit/notifications/service.ts';

const PREFIX = 'twin-backup-';
const SUFFIX = '.twinbak';
/** Grace after start before the first scheduled backup. */
export const FIRST_BACKUP_AFTER_MS = 15 * 60_000;

/** `twin-backup-20261207T041500Z.twinbak` */
export function backupFileName(at: Date): string {
  return `${PREFIX}${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}${SUFFIX}`;
}

/** The backup folder: TWIN_BACKUP_DIR, or `<data dir>-backups` beside the data folder. */
export function backupDirOf(config: Config): string {
  if (config.backup?.dir) return config.backup.dir;
  const dataDir = dataDirOf(config);
  return path.join(path.dirname(dataDir), `${path.basename(dataDir)}-backups`);
}

/** The archives in a backup folder, newest first. */
export function listBackups(dir: string): { file: string; bytes: number; at: Date }[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((n) => n.startsWith(PREFIX) && n.endsWith(SUFFIX))
    .map((n) => {
      const st = fs.statSync(path.join(dir, n));
      return { file: path.join(dir, n), bytes: st.size, at: st.mtime };
    })
    .sort((a, b) => b.at.getTime() - a.at.getTime());
}

/** What /api/health shows of the backups. */
export interface BackupState {
  readonly enabled: boolean;
  readonly dir: string;
  readonly lastSuccessAt: string | null;
  readonly ageHours: number | null;
  readonly bytes: number | null;
  readonly lastError: string | null;
  /** True when the newest archive is older than twice the interval (or none exists after the first is due). */
  readonly overdue: boolean;
  /** When the overdue alarm was last raised (logged as an error, notified to the system administrators). */
  readonly alarmAt: string | null;
}

/** An overdue alarm is raised again at most this often while backups stay overdue. */
export const OVERDUE_ALARM_EVERY_MS = 24 * 3_600_000;

/** The scheduled backup job of one server, and its state. */
export class BackupScheduler {
  readonly #sc: ServerContext;
  readonly #started = Date.now();
  #lastError: string | null = null;
  #alarmAt: number | null = null;

  constructor(sc: ServerContext) {
    this.#sc = sc;
  }

  get #intervalMs(): number {
    return (this.#sc.config.backup?.intervalHours ?? 0) * 3_600_000;
  }

  /** False for in-memory databases (tests) and when TWIN_BACKUP_INTERVAL_HOURS is 0 or unset. */
  get enabled(): boolean {
    const { db } = this.#sc.config;
    return this.#intervalMs > 0 && !(db.backend === 'pglite' && db.dataDir.startsWith('memory:'));
  }

  /** Backup state for /api/health. */
  state(now = Date.now()): BackupState {
    const dir = backupDirOf(this.#sc.config);
    const newest = this.enabled ? listBackups(dir)[0] : undefined;
    const age = newest ? now - newest.at.getTime() : null;
    const due = this.#started + FIRST_BACKUP_AFTER_MS + this.#intervalMs;
    return {
      enabled: this.enabled,
      dir,
      lastSuccessAt: newest ? newest.at.toISOString() : null,
      ageHours: age === null ? null : Math.round(age / 360_000) / 10,
      bytes: newest?.bytes ?? null,
      lastError: this.#lastError,
      overdue: this.enabled && (age === null ? now > due : age > 2 * this.#intervalMs),
      alarmAt: this.#alarmAt === null ? null : new Date(this.#alarmAt).toISOString(),
    };
  }

  /**
   * The alarm when the last good backup is too old (older than twice the interval): an error in the
   * log and a notification to every system administrator (in-app and their outbound channels), again
   * every 24 h while it lasts. True when it raised one now.
   */
  async checkOverdue(now = Date.now()): Promise<boolean> {
    const st = this.state(now);
    if (!st.overdue) {
      this.#alarmAt = null;
      return false;
    }
    if (this.#alarmAt !== null && now - this.#alarmAt < OVERDUE_ALARM_EVERY_MS) return false;
    this.#alarmAt = now;
    const age = st.ageHours === null ? null : Math.round(st.ageHours);
    this.#sc.log.error({ dir: st.dir, lastSuccessAt: st.lastSuccessAt, ageHours: st.ageHours, lastError: st.lastError }, 'backup overdue: the last good backup is too old');
    try {
      await notify(this.#sc, {
        to: { roles: ['system_admin'] },
        kind: 'system.backup.overdue',
        title: age === null
          ? { zh: '备份超期：尚无成功的备份', en: 'Backup overdue: no good backup yet' }
          : { zh: `备份超期：最近一次成功备份已是 ${age} 小时前`, en: `Backup overdue: the last good backup is ${age} hours old` },
        link: '/admin',
      });
    } catch (err) {
      this.#sc.log.warn({ err }, 'backup overdue: notification failed');
    }
    return true;
  }

  /** Backs up now when due (newest archive older than the interval, first one after the grace). */
  async runIfDue(now = Date.now()): Promise<boolean> {
    if (!this.enabled || now - this.#started < FIRST_BACKUP_AFTER_MS) return false;
    const dir = backupDirOf(this.#sc.config);
    const newest = listBackups(dir)[0];
    if (newest && now - newest.at.getTime() < this.#intervalMs) return false;
    await this.runNow();
    return true;
  }

  /** Writes one archive now and prunes the oldest beyond TWIN_BACKUP_KEEP. */
  async runNow(): Promise<string> {
    const { sc } = { sc: this.#sc };
    const dir = backupDirOf(sc.config);
    const out = path.join(dir, backupFileName(new Date()));
    try {
      const r = await createBackup({
        config: sc.config, db: sc.db, out, actor: 'scheduler',
        passphrase: process.env.TWIN_BACKUP_PASSPHRASE?.trim() || undefined,
        progress: (line) => sc.log.info({ backup: out }, line.trim()),
      });
      this.#lastError = null;
      for (const old of listBackups(dir).slice(sc.config.backup?.keep ?? 7)) {
        fs.rmSync(old.file, { force: true });
        sc.log.info({ file: old.file }, 'old backup removed (TWIN_BACKUP_KEEP)');
      }
      sc.log.info({ file: r.file, bytes: r.bytes, ms: r.ms, encrypted: r.encrypted }, 'scheduled backup written');
      return r.file;
    } catch (err) {
      this.#lastError = (err as Error).message;
      throw err;
    }
  }

  /** The job for the module host (checks every minute). */
  job(): ScheduledJob {
    return {
      name: 'backup', everyMs: 60_000,
      run: async () => {
        try {
          await this.runIfDue();
        } finally {
          await this.checkOverdue();
        }
      },
    };
  }
}
