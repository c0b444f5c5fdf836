/**
 * Scheduled backups of a running server: the health module's job writes archives through the
 * server's own database handle, keeps TWIN_BACKUP_KEEP of them, and /api/health shows the state
 * to system:read (here through the scheduler the module registered).
 */
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { startTestServer } from '../testing/server.ts';
import { backupSchedulerOf, healthModule } from '../modules/health.ts';
import { checkBackup } from './backup.ts';
import { listBackups } from './schedule.ts';

it('writes checked archives through the running server, prunes beyond TWIN_BACKUP_KEEP, reports its state', async () => {
  const s = await startTestServer('pglite', { env: { TWIN_BACKUP_KEEP: '2', TWIN_BACKUP_INTERVAL_HOURS: '24' }, modules: [healthModule] });
  try {
    const scheduler = backupSchedulerOf(s.sc)!;
    expect(scheduler.enabled).toBe(true);
    expect(scheduler.state()).toMatchObject({ enabled: true, lastSuccessAt: null, overdue: false });
    expect(await scheduler.runIfDue()).toBe(false); // the first one waits 15 minutes after start
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      files.push(await scheduler.runNow());
      await new Promise((r) => setTimeout(r, 1100)); // archive names carry the second
    }
    const kept = listBackups(scheduler.state().dir).map((b) => b.file);
    expect(kept).toEqual([files[2], files[1]]);
    expect(fs.existsSync(files[0]!)).toBe(false);
    const { manifest } = await checkBackup(files[2]!);
    expect(manifest.backend).toBe('pglite');
    const st = scheduler.state();
    expect(st).toMatchObject({ enabled: true, lastError: null, overdue: false });
    expect(st.bytes).toBe(fs.statSync(files[2]!).size);
    expect(st.ageHours).toBeLessThan(0.1);
    expect(await scheduler.runIfDue(Date.now() + 16 * 60_000)).toBe(false); // newest is younger than 24 h

    // The alarm when the last good backup is too old: raised once (error logged, administrators
    // notified), not again within 24 h, and cleared once a backup is young again.
    expect(await scheduler.checkOverdue()).toBe(false);
    const old = new Date(Date.now() - 50 * 3_600_000);
    for (const f of kept) fs.utimesSync(f, old, old);
    expect(scheduler.state()).toMatchObject({ overdue: true, alarmAt: null });
    expect(await scheduler.checkOverdue()).toBe(true);
    expect(scheduler.state().alarmAt).not.toBeNull();
    expect(await scheduler.checkOverdue()).toBe(false);
    const health = await (await fetch(`${s.url}/api/health`, { headers: { Authorization: 'Bearer x' } })).json() as { backup?: { overdue: boolean } };
    expect(health.backup === undefined || health.backup.overdue).toBe(true);
    await scheduler.runNow();
    expect(await scheduler.checkOverdue()).toBe(false);
    expect(scheduler.state()).toMatchObject({ overdue: false, alarmAt: null });
  } finally {
    await s.stop();
  }
}, 180_000);
